using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Models;
using InfoCamWeb.Data;
using InfoCamWeb.Web.Features.Api;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Data.Runs;
using InfoCamWeb.Web.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Features.Models;

public sealed record ModelListItem(int Id, string Name, string Team, bool IsDemo, string HeadPattern, int Classes, long SizeBytes, DateTimeOffset UploadedAt, int Runs, string Sha256, int Channels = 0);

/// <summary>The outcome of an upload: the new model's id, or the reason it was refused.</summary>
public sealed record ModelUploadResult(int? ModelId, ServiceError? Error);

/// <summary>Models: upload (streamed to disk, inspected, stored alone under a server-chosen name), list, detail, preprocessing.</summary>
public sealed class ModelService(IDbContextFactory<InfoCamDbContext> dbFactory, InfoCamPaths paths, ModelInspector inspector, UploadQuota quota,
    IOptions<InfoCamOptions> options, ILogger<ModelService> log)
{
    public async Task<List<ModelListItem>> ListAsync(Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var runVisible = AccessRules.RunVisibleTo(actor);
        var rows = await db.Models.AsNoTracking().Visible(actor)
            .Select(m => new ModelListItem(m.Id, m.Name, m.Team!.Name, m.IsDemo, m.HeadPattern, m.Classes, m.SizeBytes, m.UploadedAt,
                m.Runs.AsQueryable().Count(runVisible), m.Sha256, m.Channels))
            .ToListAsync(ct);
        return rows.OrderByDescending(m => m.UploadedAt).ToList();
    }

    /// <summary>The model when the actor may see it; null otherwise (a private model of another team looks absent).</summary>
    public async Task<ModelRecord?> GetAsync(Actor actor, int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var model = await db.Models.AsNoTracking().Include(m => m.Team).FirstOrDefaultAsync(m => m.Id == id, ct);
        if (model is null || !AccessRules.CanRead(actor, model.TeamId, model.Team!.IsBuiltIn)) return null;
        // Only the runs of this model that the actor may see (the same rule as the run list).
        model.Runs = await db.Runs.AsNoTracking().Where(r => r.ModelId == id).Visible(actor).ToListAsync(ct);
        return model;
    }

    /// <summary>Uploads a model for the actor's active team.</summary>
    public async Task<ModelUploadResult> UploadAsync(Actor actor, Stream content, string originalName, string name, string description,
        long maxBytes, HeadOverrides? overrides = null, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        if (!actor.IsSignedIn || actor.ActiveTeamId is null)
        {
            return new ModelUploadResult(null, ServiceError.NoTeam(actor.IsSignedIn ? "Create or join a team first: uploads belong to a team." : "Sign in to upload a model."));
        }
        if (await quota.ExceededAsync(actor.ActiveTeamId.Value, ct) is { } error)
        {
            return new ModelUploadResult(null, error);
        }
        return await UploadForTeamAsync(actor.ActiveTeamId.Value, content, originalName, name, description, maxBytes, overrides, progress, ct);
    }

    public async Task<string?> RenameAsync(Actor actor, int id, string name, string description, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await TeamOwnedEdits.RenameAsync(db, db.Models, actor, id, name, description, "model", ct);
    }

    /// <summary>Deletes a model and its file; refused while runs refer to it (their results must stay readable).</summary>
    public async Task<string?> DeleteAsync(Actor actor, int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (m, error) = await TeamOwnedEdits.DeleteAsync(db, db.Models, actor, id, r => r.ModelId == id, "model", ct);
        if (m is null) return error;
        var folder = Path.GetDirectoryName(paths.Resolve(m.StoredPath));
        if (folder is not null && folder.StartsWith(paths.ModelsFolder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
        return null;
    }

    /// <summary>
    /// Streams <paramref name="content"/> to a temporary file (at most <paramref name="maxBytes"/>, counted while copying,
    /// whatever the browser declared), inspects it, and stores it. Nothing is left behind when it is refused.
    /// </summary>
    internal async Task<ModelUploadResult> UploadForTeamAsync(int teamId, Stream content, string originalName, string name, string description,
        long maxBytes, HeadOverrides? overrides = null, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        Directory.CreateDirectory(paths.UploadsFolder);
        var temp = Path.Combine(paths.UploadsFolder, $"model-{Guid.NewGuid():N}.part");
        string? storedFolder = null;
        try
        {
            var spooled = await UploadSpool.CopyAsync(content, temp, maxBytes, $"The file is larger than the model size limit of {FormatBytes(maxBytes)}.",
                TimeSpan.FromSeconds(Math.Max(1, options.Value.Uploads.StallSeconds)), progress, ct,
                refuseHead: head => Core.Models.ModelFileSniffer.Refusal(head), headBytes: Core.Models.ModelFileSniffer.HeadBytes);
            if (spooled.Error is not null)
            {
                return new ModelUploadResult(null, spooled.Error);
            }
            var (size, sha) = (spooled.Size, spooled.Sha256);
            if (size == 0)
            {
                return new ModelUploadResult(null, "The model file is empty.");
            }

            ModelSummary summary;
            try
            {
                summary = await inspector.InspectAsync(temp, overrides, ct);
            }
            catch (ModelException ex)
            {
                return new ModelUploadResult(null, ex.Message);
            }

            var folderName = Guid.NewGuid().ToString("N");
            storedFolder = Path.Combine(paths.ModelsFolder, folderName);
            Directory.CreateDirectory(storedFolder);
            File.Move(temp, Path.Combine(storedFolder, "model.onnx"));
            var record = NewRecord(summary, Path.Combine("models", folderName, "model.onnx"), originalName, name, description, teamId, size);
            record.FeatureOverride = overrides?.FeatureTensor;
            record.WeightOverride = overrides?.WeightInitializer;
            record.BiasOverride = overrides?.BiasInitializer;
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            db.Models.Add(record);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (Exception ex) when (InfoCamDbContext.IsBusy(ex))
            {
                return new ModelUploadResult(null, InfoCamDbContext.BusyMessage);
            }
            storedFolder = null;
            log.LogInformation("Model {Id} '{Name}' stored ({Size} bytes).", record.Id, record.Name, size);
            return new ModelUploadResult(record.Id, null);
        }
        finally
        {
            TryDelete(temp);
            if (storedFolder is not null)
            {
                try { Directory.Delete(storedFolder, recursive: true); } catch (IOException) { }
            }
        }
    }

    internal static ModelRecord NewRecord(ModelSummary s, string storedPath, string originalName, string name, string description, int teamId, long size) => new()
    {
        Name = string.IsNullOrWhiteSpace(name) ? Path.GetFileNameWithoutExtension(originalName) : name.Trim(),
        Description = description.Trim(),
        TeamId = teamId,
        StoredPath = storedPath,
        OriginalFileName = Path.GetFileName(originalName),
        Sha256 = s.Sha256,
        SizeBytes = size,
        UploadedAt = DateTimeOffset.UtcNow,
        Producer = s.Producer,
        Opset = s.Opset,
        InputName = s.InputName,
        InputShape = s.InputShape,
        DynamicBatch = s.DynamicBatch,
        HeadPattern = s.HeadPattern,
        FeatureTensor = s.FeatureTensor,
        FeatureShape = s.FeatureShape,
        WeightSource = s.WeightSource,
        Classes = s.Classes,
        Channels = s.Channels,
        InputSize = s.FixedInputSize ?? 224,
        InputSizeFixed = s.FixedInputSize is not null,
        Mean = RunSettings.FormatTriple(Preprocessing.ImageNetMean),
        Std = RunSettings.FormatTriple(Preprocessing.ImageNetStd),
    };

    /// <summary>Changes the preprocessing used by future runs of a model.</summary>
    public async Task<string?> UpdatePreprocessingAsync(Actor actor, int id, int inputSize, string mean, string std, bool bgr, CancellationToken ct = default)
    {
        try
        {
            RunSettings.ParseTriple(mean);
            if (RunSettings.ParseTriple(std).Any(v => v <= 0)) return "Std values must be positive.";
        }
        catch (FormatException ex)
        {
            return ex.Message;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var m = await db.Models.FirstOrDefaultAsync(x => x.Id == id, ct);
        if (m is null || !AccessRules.CanModify(actor, m.TeamId)) return "The model does not exist or belongs to another team.";
        if (m.InputSizeFixed && m.InputSize != inputSize)
        {
            return $"The model's input is fixed at {m.InputSize}x{m.InputSize}.";
        }
        if (inputSize < 32 || inputSize > 1024) return "The input size must be between 32 and 1024.";
        m.InputSize = inputSize;
        m.Mean = mean.Replace(" ", "");
        m.Std = std.Replace(" ", "");
        m.Bgr = bgr;
        await db.SaveChangesAsync(ct);
        return null;
    }

    public static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##} GB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MB",
        >= 1L << 10 => $"{bytes / 1024.0:0.#} KB",
        _ => $"{bytes} bytes",
    };

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
