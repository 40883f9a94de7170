using System.Collections.Concurrent;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Data.Entities;

namespace InfoCamWeb.Web.Features.Datasets;

/// <summary>
/// The annotations of registered datasets, read once per dataset and kept (a registered dataset's files do not
/// change). Shared by the run, image-browser, gallery and download code; a failed read is not cached.
/// </summary>
public sealed class DatasetAnnotations(InfoCamWeb.Data.InfoCamPaths paths)
{
    private readonly ConcurrentDictionary<int, Lazy<Dataset>> _cache = new();

    public Dataset Get(DatasetRecord record)
    {
        var lazy = _cache.GetOrAdd(record.Id, _ => new Lazy<Dataset>(() =>
            DatasetLoader.Load(paths.FromStored(record.Folder), new DatasetLoadOptions { VerifyImageFiles = false })));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _cache.TryRemove(record.Id, out _);
            throw;
        }
    }

    public Task<Dataset> GetAsync(DatasetRecord record, CancellationToken ct = default) => Task.Run(() => Get(record), ct);

    public void Forget(int datasetId) => _cache.TryRemove(datasetId, out _);
}
