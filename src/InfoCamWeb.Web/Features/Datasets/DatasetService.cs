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
public sealed class DatasetService(IDbContextFactory<InfoCamDbContext> dbFactory, IOptions<InfoCamOptions> options, IWebHostEnvironment env, InfoCamPaths paths)
{
    /// <summary>
    /// Streams an uploaded .zip / .tar.gz to a temporary file (size counted while copying), extracts it safely into a
    /// folder of its own, validates it, and registers it. On any failure nothing is kept: no files, no record.
    /// </summary>
    public async Task<DatasetRegistration> UploadArchiveAsync(Stream content, string fileName, string name, string description, string owner,
        long maxBytes, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        if (!ArchiveExtractor.IsSupported(fileName))
        {
            return new DatasetRegistration(null, [], 0, $"'{Path.GetFileName(fileName)}' is not a .zip, .tar, .tar.gz or .tgz archive.");
        }
        Directory.CreateDirectory(paths.UploadsFolder);
        var temp = Path.Combine(paths.UploadsFolder, $"dataset-{Guid.NewGuid():N}.part");
        var folder = Path.Combine(paths.DatasetsFolder, Guid.NewGuid().ToString("N"));
        bool keep = false;
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
                long size = 0;
                int read;
                while ((read = await content.ReadAsync(buffer, ct)) > 0)
                {
                    size += read;
                    if (size > maxBytes)
                    {
                        return new DatasetRegistration(null, [], 0, $"The archive is larger than the dataset upload limit of {Models.ModelService.FormatBytes(maxBytes)}.");
                    }
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                    progress?.Report(size);
                }
            }
            try
            {
                await Task.Run(() => ArchiveExtractor.Extract(temp, fileName, folder, new ExtractionLimits()), ct);
            }
            catch (ArchiveException ex)
            {
                return new DatasetRegistration(null, [], 0, ex.Message);
            }
            var result = await RegisterAsync(folder, name.Length > 0 ? name : StripExtension(fileName), description, owner, "upload", ct);
            keep = result.Ok;
            return result;
        }
        finally
        {
            try { File.Delete(temp); } catch (IOException) { }
            if (!keep && Directory.Exists(folder))
            {
                try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
            }
        }
    }

    private static string StripExtension(string fileName)
    {
        var n = Path.GetFileName(fileName);
        foreach (var ext in new[] { ".tar.gz", ".tgz", ".zip", ".tar" })
        {
            if (n.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) return n[..^ext.Length];
        }
        return n;
    }

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
        return await RegisterAsync(full, name, description, owner, source, ct);
    }

    private async Task<DatasetRegistration> RegisterAsync(string full, string name, string description, string owner, string source, CancellationToken ct)
    {
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
