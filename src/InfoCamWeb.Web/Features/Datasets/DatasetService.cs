using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Features.Datasets;

public sealed record DatasetRegistration(int? DatasetId, IReadOnlyList<DatasetProblem> Problems, int TotalProblems, string? Error)
{
    public bool Ok => DatasetId is not null;
}

/// <summary>Datasets: register a folder that already sits on the server, list, detail and statistics.</summary>
public sealed class DatasetService(IDbContextFactory<InfoCamDbContext> dbFactory, IOptions<InfoCamOptions> options, IWebHostEnvironment env)
{
    public async Task<List<DatasetRecord>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Datasets.AsNoTracking().ToListAsync(ct);
        return rows.OrderByDescending(d => d.CreatedAt).ToList();
    }

    public async Task<DatasetRecord?> GetAsync(int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Datasets.AsNoTracking().Include(d => d.Runs).FirstOrDefaultAsync(d => d.Id == id, ct);
    }

    /// <summary>The folders under which server datasets may be registered, as full paths.</summary>
    public IReadOnlyList<string> ServerRoots =>
        options.Value.ServerDatasetRoots.Select(r => Path.GetFullPath(Path.IsPathRooted(r) ? r : Path.Combine(env.ContentRootPath, r))).ToList();

    /// <summary>Registers a dataset folder on the server (only under a configured root), validating it first.</summary>
    public async Task<DatasetRegistration> RegisterServerFolderAsync(string folder, string name, string description, string owner, string source = "server folder", CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(folder))
        {
            return new DatasetRegistration(null, [], 0, "Give the folder of the dataset.");
        }
        var full = Path.GetFullPath(Path.IsPathRooted(folder) ? folder : Path.Combine(env.ContentRootPath, folder));
        var roots = ServerRoots;
        if (source != "demo" && !roots.Any(r => full == r || full.StartsWith(r.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        {
            return new DatasetRegistration(null, [], 0,
                $"'{folder}' is not under a folder the server allows ({string.Join(", ", roots)}; see InfoCam:ServerDatasetRoots).");
        }
        Dataset dataset;
        try
        {
            dataset = await Task.Run(() => DatasetLoader.Load(full), ct);
        }
        catch (DatasetException ex)
        {
            return new DatasetRegistration(null, ex.Problems, ex.TotalProblems, null);
        }
        var record = new DatasetRecord
        {
            Name = string.IsNullOrWhiteSpace(name) ? Path.GetFileName(dataset.Root) : name.Trim(),
            Description = description.Trim(),
            Owner = owner,
            Folder = dataset.Root,
            Source = source,
            IsDemo = source == "demo",
            Layout = dataset.Layout == DatasetLayout.Cub ? "CUB_200_2011" : "wsolevaluation",
            Images = dataset.Images.Count,
            Classes = dataset.ClassCount,
            TestImages = dataset.Select(DatasetSplit.Test).Count,
            TrainImages = dataset.Select(DatasetSplit.Train).Count,
            Boxes = dataset.Images.Sum(i => i.Boxes.Count),
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.Datasets.Add(record);
        await db.SaveChangesAsync(ct);
        return new DatasetRegistration(record.Id, [], 0, null);
    }

    /// <summary>Reads the dataset's annotations again (for the detail page's statistics and gallery).</summary>
    public Task<Dataset> LoadAsync(DatasetRecord record, CancellationToken ct = default) =>
        Task.Run(() => DatasetLoader.Load(record.Folder, new DatasetLoadOptions { VerifyImageFiles = false }), ct);
}
