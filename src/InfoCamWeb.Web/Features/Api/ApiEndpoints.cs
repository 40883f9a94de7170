using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Extensions;
using InfoCamWeb.Web.Features.Datasets;
using InfoCamWeb.Web.Features.Models;
using InfoCamWeb.Web.Features.Runs;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Features.Api;

public sealed record ApiModel(int Id, string Name, string Team, int Classes, string HeadPattern, string Sha256);
public sealed record ApiDataset(int Id, string Name, string Team, string Layout, int Images, int Classes, int TestImages, int TrainImages);
public sealed record ApiRun(int Id, int ModelId, int DatasetId, string Team, string Status, int ImagesDone, int ImagesTotal, double ImagesPerSecond,
    string? Provider, string? Error, bool Published, DateTimeOffset QueuedAt, DateTimeOffset? FinishedAt, IReadOnlyList<ApiShard> Shards);

/// <summary>One shard of a run: images First..Last of the split (0-based, inclusive), its state and the worker that took it last.</summary>
public sealed record ApiShard(int Index, int First, int Last, string State, string? Worker, int Attempts);
/// <summary>A created run: its id and page, and for a run with Score-CAM what it adds (forward passes).</summary>
public sealed record ApiCreated(int Id, string Url, string? ScoreCamCost = null);
public sealed record ApiWorker(string Name, string Machine, string Device, string? Provider, string State, int? RunId, int? Shard, double ImagesPerSecond,
    DateTimeOffset StartedAt, DateTimeOffset LastSeenAt);

/// <summary>A comparison of runs as the API returns it: the runs' identities instead of their whole results.</summary>
public sealed record ApiComparison(
    IReadOnlyList<ApiComparedRun> Runs, string Method, string Metric, IReadOnlyList<Compare.MetricComparison> Metrics,
    IReadOnlyList<Compare.PairComparison> Pairs, IReadOnlyList<Compare.ClassComparison> Classes, IReadOnlyList<Compare.ImageDisagreement> Images)
{
    public static ApiComparison Of(Compare.Comparison c) => new(
        c.Runs.Select(r => new ApiComparedRun(r.RunId, r.Team, r.Model, r.Result.Settings.ThresholdStep, r.Result.Settings.CamThreshold)).ToList(),
        c.Method, c.Metric.ToString(), c.Metrics, c.Pairs, c.Classes, c.Images);
}

public sealed record ApiComparedRun(int Id, string Team, string Model, double ThresholdStep, double CamThreshold);

/// <summary>
/// The REST API for scripted submissions (personal access tokens): upload a model, list datasets, start a run, poll it,
/// fetch its result, publish it. Same services, ownership rules and quotas as the UI; JSON errors with status codes.
/// </summary>
public static class ApiEndpoints
{
    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(p => p.AddAuthenticationSchemes(ApiTokenAuthentication.SchemeName).RequireAuthenticatedUser())
            .DisableAntiforgery();
        // One section of the API reference per resource.
        var modelApi = api.MapGroup("").WithTags("Models");
        var datasetApi = api.MapGroup("").WithTags("Datasets");
        var runApi = api.MapGroup("").WithTags("Runs");
        var workerApi = api.MapGroup("").WithTags("Workers");
        Benchmarks.BenchmarkEndpoints.MapApi(api);

        modelApi.MapGet("/models", async (HttpContext http, ActorProvider actors, ModelService models, CancellationToken ct) =>
        {
            var actor = await actors.GetAsync(http.User, ct);
            return Results.Ok((await models.ListAsync(actor, ct)).Select(m => new ApiModel(m.Id, m.Name, m.Team, m.Classes, m.HeadPattern, m.Sha256)));
        }).WithSummary("Models you can use (your teams' and the Baselines').");

        modelApi.MapPost("/models", async (HttpContext http, ActorProvider actors, ModelService models, IOptions<InfoCamOptions> options, CancellationToken ct) =>
        {
            var actor = await actors.GetAsync(http.User, ct);
            var (form, file, refused) = await ReadUploadAsync(http, options.Value.Uploads.MaxModelBytes, "the model", ct);
            if (refused is not null) return refused;
            await using var stream = file!.OpenReadStream();
            var result = await models.UploadAsync(actor, stream, file.FileName, form!["name"].ToString(), form["description"].ToString(), options.Value.Uploads.MaxModelBytes, ct: ct);
            return result.ModelId is int id
                ? Results.Created($"/api/models/{id}", new ApiCreated(id, $"/models/{id}"))
                : ErrorResult(result.Error!);
        }).DisableAntiforgery().WithSummary("Upload an ONNX model (multipart field 'file'; optional 'name', 'description') for your active team.");

        datasetApi.MapPost("/datasets", async (HttpContext http, ActorProvider actors, DatasetService datasets, IOptions<InfoCamOptions> options, CancellationToken ct) =>
        {
            var actor = await actors.GetAsync(http.User, ct);
            var (form, file, refused) = await ReadUploadAsync(http, options.Value.Uploads.MaxDatasetBytes, "the dataset archive", ct);
            if (refused is not null) return refused;
            await using var stream = file!.OpenReadStream();
            var result = await datasets.UploadArchiveAsync(actor, stream, file.FileName, form!["name"].ToString(), form["description"].ToString(),
                options.Value.Uploads.MaxDatasetBytes, ct: ct);
            if (result.DatasetId is int id) return Results.Created($"/api/datasets/{id}", new ApiCreated(id, $"/datasets/{id}"));
            if (result.Error is not null) return ErrorResult(result.Error);
            return ApiProblems.Result(StatusCodes.Status400BadRequest, ApiProblems.DatasetInvalid, $"The dataset has {result.TotalProblems} problem(s); nothing was stored.",
                new Dictionary<string, object?> { ["problems"] = result.Problems.Select(p => p.ToString()).ToList(), ["totalProblems"] = result.TotalProblems });
        }).DisableAntiforgery().WithSummary("Upload a dataset archive (.zip, .tar, .tar.gz; multipart field 'file'; optional 'name', 'description') for your active team. " +
                                           "A refused dataset answers 400 with one line per problem (file, line, field).");

        datasetApi.MapGet("/datasets", async (HttpContext http, ActorProvider actors, DatasetService datasets, CancellationToken ct) =>
        {
            var actor = await actors.GetAsync(http.User, ct);
            return Results.Ok((await datasets.ListAsync(actor, ct)).Select(d =>
                new ApiDataset(d.Id, d.Name, d.Team?.Name ?? "", d.Layout, d.Images, d.Classes, d.TestImages, d.TrainImages)));
        }).WithSummary("Datasets you can use.");

        runApi.MapPost("/runs", async ([FromBody] RunRequest request, HttpContext http, ActorProvider actors, RunService runs, CancellationToken ct) =>
        {
            var actor = await actors.GetAsync(http.User, ct);
            var created = await runs.CreateAsync(actor, request, ct);
            return created.RunId is int id ? Results.Created($"/api/runs/{id}", new ApiCreated(id, $"/runs/{id}", created.ScoreCamCost)) : ErrorResult(created.Error!);
        }).WithSummary("Start a run (model, dataset, split, methods, protocol, thresholds, window, provider).");

        runApi.MapGet("/runs/{id:int}", async (int id, HttpContext http, ActorProvider actors, RunService runs, CancellationToken ct) =>
        {
            var run = await runs.GetAsync(await actors.GetAsync(http.User, ct), id, ct);
            return run is null ? RunNotFound(id) : Results.Ok(ToApi(run, await runs.ShardsAsync(id, ct)));
        }).WithSummary("Status and progress of a run, and its shards: image range, state (queued, running, done), worker.");

        runApi.MapGet("/compare", async (string? runs, string? method, string? metric, HttpContext http, ActorProvider actors, Compare.CompareService compare, CancellationToken ct) =>
        {
            var ids = (runs ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (ids.Length == 0 || ids.Any(t => !int.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)))
            {
                return Invalid($"runs='{runs}' is not a list of run ids (runs=12,15).");
            }
            var (comparison, error) = await compare.CompareAsync(await actors.GetAsync(http.User, ct),
                ids.Select(t => int.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToList(), method, Leaderboard.LeaderboardService.ParseMetric(metric), ct);
            return comparison is null ? ErrorResult(error!) : Results.Ok(ApiComparison.Of(comparison));
        }).WithSummary("2 to 4 runs of the same dataset, split and protocol side by side: metrics and differences (each run minus the first), "
            + "a paired test of each run against the first, per-class GT-known Loc, and the images they disagree on most.");

        runApi.MapGet("/runs/{id:int}/result", async (int id, HttpContext http, ActorProvider actors, RunService runs, CancellationToken ct) =>
        {
            var run = await runs.GetAsync(await actors.GetAsync(http.User, ct), id, ct);
            if (run is null) return RunNotFound(id);
            if (run.ResultJson is null)
            {
                return ApiProblems.Result(StatusCodes.Status409Conflict, ApiProblems.NoResultYet, run.Status == RunStatus.Succeeded
                    ? $"Run {id}'s scores are hidden until its benchmark phase closes ({run.ScoresHiddenUntil:u})."
                    : $"Run {id} has no result yet (status {run.Status.ToString().ToLowerInvariant()}).");
            }
            return Results.Text(run.ResultJson, "application/json");
        }).WithSummary("The result JSON (same shape as infocam evaluate --output).");

        workerApi.MapGet("/workers", async (HttpContext http, ActorProvider actors, Workers.WorkerService workers, CancellationToken ct) =>
        {
            var list = await workers.ListAsync(await actors.GetAsync(http.User, ct), ct);
            return Results.Ok(list.Select(w => new ApiWorker(w.Name, w.Machine, w.Device, w.Provider, w.State, w.RunId, w.Shard, w.ImagesPerSecond, w.StartedAt, w.LastSeenAt)));
        }).WithSummary("The workers that take runs from the queue: device, provider in use, state (idle, busy, lost, stopped), run and shard, images/s, last heartbeat.");

        runApi.MapPost("/runs/{id:int}/publish", async (int id, HttpContext http, ActorProvider actors, RunService runs, CancellationToken ct) =>
        {
            var error = await runs.PublishAsync(await actors.GetAsync(http.User, ct), id, true, ct);
            return error is null ? Results.Ok(new { published = true }) : ErrorResult(error);
        }).WithSummary("Publish a finished run to its leaderboard.");
    }

    /// <summary>
    /// Reads a multipart upload with the file in the field 'file', holding the request body to the upload cap
    /// (ASP.NET Core spools the file to a temporary file that it removes when the request ends).
    /// </summary>
    private static async Task<(IFormCollection? Form, IFormFile? File, IResult? Refused)> ReadUploadAsync(HttpContext http, long maxBytes, string what, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
        {
            return (null, null, Invalid($"Send multipart/form-data with {what} in the field 'file'."));
        }
        var limit = maxBytes + (1L << 20); // the file plus the multipart framing and the small text fields
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } body)
        {
            body.MaxRequestBodySize = limit;
        }
        var tooLarge = ApiProblems.Result(StatusCodes.Status413PayloadTooLarge, ApiProblems.TooLarge, $"The upload is larger than the limit for {what} ({Models.ModelService.FormatBytes(maxBytes)}).");
        if (http.Request.ContentLength > limit) return (null, null, tooLarge);
        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(new Microsoft.AspNetCore.Http.Features.FormOptions { MultipartBodyLengthLimit = limit }, ct);
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException)
        {
            return (null, null, ex is BadHttpRequestException { StatusCode: 413 } || ex.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)
                ? tooLarge
                : Invalid($"The multipart body cannot be read: {ex.Message}"));
        }
        catch (IOException ex)
        {
            return (null, null, Invalid($"The upload was cut off: {ex.Message}"));
        }
        var file = form.Files.GetFile("file");
        return file is null ? (null, null, Invalid("The form has no 'file' field.")) : (form, file, null);
    }

    private static ApiRun ToApi(RunRecord r, IEnumerable<RunShardRecord> shards) => new(r.Id, r.ModelId, r.DatasetId, r.Team?.Name ?? "", r.Status.ToString().ToLowerInvariant(),
        r.ImagesDone, r.ImagesTotal, r.ImagesPerSecond, r.ProviderUsed, r.Error, r.Published, r.QueuedAt, r.FinishedAt,
        shards.Select(s => new ApiShard(s.Index, s.Start, s.End - 1, s.State.ToString().ToLowerInvariant(), s.WorkerName, s.Attempts)).ToList());

    private static IResult RunNotFound(int id) =>
        ApiProblems.Result(StatusCodes.Status404NotFound, ApiProblems.NotFound, $"Run {id} does not exist or belongs to another team.");

    private static IResult Invalid(string detail) => ApiProblems.Result(StatusCodes.Status400BadRequest, ApiProblems.InvalidInput, detail);

    /// <summary>A service's refusal as ProblemDetails: the kind gives the status and the stable code, the message the detail.</summary>
    internal static IResult ErrorResult(ServiceError error) => error.Kind switch
    {
        ErrorKind.NotFound => ApiProblems.Result(StatusCodes.Status404NotFound, ApiProblems.NotFound, error.Message),
        ErrorKind.Quota => ApiProblems.Result(StatusCodes.Status429TooManyRequests, ApiProblems.QuotaExceeded, error.Message),
        ErrorKind.TooLarge => ApiProblems.Result(StatusCodes.Status413PayloadTooLarge, ApiProblems.TooLarge, error.Message),
        ErrorKind.NoTeam => ApiProblems.Result(StatusCodes.Status403Forbidden, ApiProblems.NoTeam, error.Message),
        ErrorKind.Forbidden => ApiProblems.Result(StatusCodes.Status403Forbidden, ApiProblems.Forbidden, error.Message),
        _ => Invalid(error.Message),
    };}
