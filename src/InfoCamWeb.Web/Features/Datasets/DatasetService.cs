using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Data;
using InfoCamWeb.Web.Features.Api;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Features.Datasets;

public sealed record DatasetRegistration(int? DatasetId, IReadOnlyList<DatasetProblem> Problems, int TotalProblems, ServiceError? Error)
{
    public bool Ok => DatasetId is not null;
}

/// <summary>Datasets: register a folder that already sits on the server, list, detail and statistics.</summary>
public sealed class DatasetService(IDbContextFactory<InfoCamDbContext> dbFactory, IOptions<InfoCamOptions> options, IWebHostEnvironment env, InfoCamPaths paths, UploadQuota quota, DatasetAnnotations annotations)
{
    private readonly SemaphoreSlim _extractions = new(Math.Max(1, options.Value.Uploads.ConcurrentExtractions));

    /// <summary>
    /// Streams an uploaded .zip / .tar.gz to a temporary file (size counted while copying), extracts it safely into a
    /// folder of its own, validates it, and registers it. On any failure nothing is kept: no files, no record.
    /// </summary>
    public async Task<DatasetRegistration> UploadArchiveAsync(Actor actor, Stream content, string fileName, string name, string description,
        long maxBytes, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        if (NoTeam(actor) is { } why) return new DatasetRegistration(null, [], 0, why);
        int teamId = actor.ActiveTeamId!.Value;
        if (await quota.ExceededAsync(teamId, ct) is { } exceeded) return new DatasetRegistration(null, [], 0, exceeded);
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
            var spooled = await UploadSpool.CopyAsync(content, temp, maxBytes,
                $"The archive is larger than the dataset upload limit of {Models.ModelService.FormatBytes(maxBytes)}.",
                TimeSpan.FromSeconds(Math.Max(1, options.Value.Uploads.StallSeconds)), progress, ct);
            if (spooled.Error is not null)
            {
                return new DatasetRegistration(null, [], 0, spooled.Error);
            }
            DatasetRegistration result;
            // Extraction and header checks read and write gigabytes: a few at a time, the rest wait their turn.
            await _extractions.WaitAsync(ct);
            try
            {
                try
                {
                    await Task.Run(() => ArchiveExtractor.Extract(temp, fileName, folder, new ExtractionLimits()), ct);
                }
                catch (ArchiveException ex)
                {
                    return new DatasetRegistration(null, [], 0, ex.Message);
                }
                result = await RegisterAsync(folder, name.Length > 0 ? name : StripExtension(fileName), description, teamId, "upload", ct);
            }
            finally
            {
                _extractions.Release();
            }
            keep = result.Ok;
            // Problems name files inside the archive, never the server's extraction folder.
            return result with
            {
                Problems = result.Problems.Select(p => p with
                {
                    File = p.File.StartsWith(folder, StringComparison.Ordinal) ? "the archive" + p.File[folder.Length..] : p.File,
                    Message = p.Message.Replace(folder + Path.DirectorySeparatorChar, "", StringComparison.Ordinal).Replace(folder, "the archive", StringComparison.Ordinal),
                }).ToList(),
            };
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

    private static ServiceError? NoTeam(Actor actor) =>
        !actor.IsSignedIn ? ServiceError.NoTeam("Sign in to add a dataset.")
        : actor.ActiveTeamId is null ? ServiceError.NoTeam("Create or join a team first: datasets belong to a team.") : null;

    public async Task<List<DatasetRecord>> ListAsync(Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Datasets.AsNoTracking().Include(d => d.Team).Visible(actor).ToListAsync(ct);
        return rows.OrderByDescending(d => d.CreatedAt).ToList();
    }

    /// <summary>The dataset when the actor may see it; null otherwise.</summary>
    public async Task<DatasetRecord?> GetAsync(Actor actor, int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var d = await db.Datasets.AsNoTracking().Include(x => x.Team).FirstOrDefaultAsync(x => x.Id == id, ct);
        return d is not null && AccessRules.CanRead(actor, d.TeamId, d.Team!.IsBuiltIn) ? d : null;
    }

    public async Task<string?> RenameAsync(Actor actor, int id, string name, string description, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await TeamOwnedEdits.RenameAsync(db, db.Datasets, actor, id, name, description, "dataset", ct);
    }

    /// <summary>Deletes a dataset record (and its files when they were uploaded); refused while runs refer to it.</summary>
    public async Task<string?> DeleteAsync(Actor actor, int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (d, error) = await TeamOwnedEdits.DeleteAsync(db, db.Datasets, actor, id, r => r.DatasetId == id, "dataset", ct);
        if (d is null) return error;
        annotations.Forget(id);
        var folder = paths.FromStored(d.Folder);
        if (d.Source == "upload" && folder.StartsWith(paths.DatasetsFolder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            var top = Path.Combine(paths.DatasetsFolder, Path.GetRelativePath(paths.DatasetsFolder, folder).Split(Path.DirectorySeparatorChar)[0]);
            try { Directory.Delete(top, recursive: true); } catch (IOException) { }
        }
        return null;
    }

    /// <summary>The folders under which server datasets may be registered, as configured (what pages show).</summary>
    public IReadOnlyList<string> ServerRootNames => options.Value.ServerDatasetRoots;

    /// <summary>The folders under which server datasets may be registered, as full paths.</summary>
    public IReadOnlyList<string> ServerRoots =>
        options.Value.ServerDatasetRoots.Select(r => Path.GetFullPath(Path.IsPathRooted(r) ? r : Path.Combine(env.ContentRootPath, r))).ToList();

    /// <summary>
    /// Where the dataset lives, relative to the storage it is in ("data/datasets/…" for uploads, "datasets/demo-cub" under a
    /// configured server folder): pages never show the server's absolute paths.
    /// </summary>
    public string DisplayFolder(DatasetRecord dataset)
    {
        var stores = options.Value.ServerDatasetRoots.Zip(ServerRoots, (shown, full) => (Shown: shown, Full: full))
            .Prepend((Shown: "data", Full: paths.DataFolder));
        foreach (var (shown, full) in stores)
        {
            if (InfoCamPaths.RelativeInside(full, paths.FromStored(dataset.Folder)) is { } relative)
            {
                return relative == "." ? shown.TrimEnd('/') : $"{shown.TrimEnd('/')}/{relative}";
            }
        }
        return Path.GetFileName(dataset.Folder);
    }

    /// <summary>Registers a dataset folder on the server (only under a configured root), validating it first.</summary>
    public Task<DatasetRegistration> RegisterServerFolderAsync(Actor actor, string folder, string name, string description, CancellationToken ct = default) =>
        NoTeam(actor) is { } why
            ? Task.FromResult(new DatasetRegistration(null, [], 0, why))
            : RegisterServerFolderAsync(actor.ActiveTeamId!.Value, folder, name, description, "server folder", ct);

    internal async Task<DatasetRegistration> RegisterServerFolderAsync(int teamId, string folder, string name, string description, string source, CancellationToken ct = default)
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
                $"'{folder}' is not under a folder the server allows ({string.Join(", ", options.Value.ServerDatasetRoots)}; see InfoCam:ServerDatasetRoots).");
        }
        return await RegisterAsync(full, name, description, teamId, source, ct);
    }

    private async Task<DatasetRegistration> RegisterAsync(string full, string name, string description, int teamId, string source, CancellationToken ct)
    {
        Dataset dataset;
        try
        {
            dataset = await Task.Run(() => DatasetLoader.Load(full, new DatasetLoadOptions { VerifyImageHeaders = true }), ct);
        }
        catch (DatasetException ex)
        {
            return new DatasetRegistration(null, ex.Problems, ex.TotalProblems, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new DatasetRegistration(null, [new DatasetProblem(Path.GetFileName(full), 0, "folder", $"cannot be read ({ex.Message.Replace(full, "", StringComparison.Ordinal)}).")], 1, null);
        }
        var record = new DatasetRecord
        {
            Name = string.IsNullOrWhiteSpace(name) ? Path.GetFileName(dataset.Root) : name.Trim(),
            Description = description.Trim(),
            TeamId = teamId,
            Folder = paths.ToStored(dataset.Root),
            Source = source,
            IsDemo = source == "demo",
            Layout = dataset.Layout == DatasetLayout.Cub ? "CUB_200_2011" : "wsolevaluation",
            Images = dataset.Images.Count,
            Classes = dataset.ClassCount,
            TestImages = dataset.Select(DatasetSplit.Test).Count,
            TrainImages = dataset.Select(DatasetSplit.Train).Count,
            Boxes = dataset.Images.Sum(i => i.Boxes.Count),
            ValImages = dataset.Select(DatasetSplit.Val).Count,
            Masks = dataset.Images.Sum(i => i.Masks.Count),
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.Datasets.Add(record);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (InfoCamDbContext.IsBusy(ex))
        {
            return new DatasetRegistration(null, [], 0, InfoCamDbContext.BusyMessage);
        }
        return new DatasetRegistration(record.Id, [], 0, null);
    }

    /// <summary>Reads the dataset's annotations again (for the detail page's statistics and gallery).</summary>
    public Task<Dataset> LoadAsync(DatasetRecord record, CancellationToken ct = default) => annotations.GetAsync(record, ct);
}
