using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Extensions;
using InfoCamWeb.Web.Features.Datasets;
using InfoCamWeb.Web.Features.Models;
using InfoCamWeb.Web.Features.Runs;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Features.Api;

public sealed record ApiError(string Error);
public sealed record ApiModel(int Id, string Name, string Team, int Classes, string HeadPattern, string Sha256);
public sealed record ApiDataset(int Id, string Name, string Team, string Layout, int Images, int Classes, int TestImages, int TrainImages);
public sealed record ApiRun(int Id, int ModelId, int DatasetId, string Team, string Status, int ImagesDone, int ImagesTotal, double ImagesPerSecond,
    string? Provider, string? Error, bool Published, DateTimeOffset QueuedAt, DateTimeOffset? FinishedAt);
public sealed record ApiCreated(int Id, string Url);

/// <summary>
/// The REST API for scripted submissions (personal access tokens): upload a model, list datasets, start a run, poll it,
/// fetch its result, publish it. Same services, ownership rules and quotas as the UI; JSON errors with status codes.
/// </summary>
public static class ApiEndpoints
{
    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(p => p.AddAuthenticationSchemes(ApiTokenAuthentication.SchemeName).RequireAuthenticatedUser())
            .WithTags("InfoCamWeb API").DisableAntiforgery();

        api.MapGet("/models", async (HttpContext http, ActorProvider actors, ModelService models, CancellationToken ct) =>
        {
            var actor = await actors.GetAsync(http.User, ct);
            return Results.Ok((await models.ListAsync(actor, ct)).Select(m => new ApiModel(m.Id, m.Name, m.Team, m.Classes, m.HeadPattern, m.Sha256)));
        }).WithSummary("Models you can use (your teams' and the Baselines').");

        api.MapPost("/models", async (HttpContext http, ActorProvider actors, ModelService models, IOptions<InfoCamOptions> options, CancellationToken ct) =>
        {
            var actor = await actors.GetAsync(http.User, ct);
            if (!http.Request.HasFormContentType) return Results.BadRequest(new ApiError("Send multipart/form-data with the model in the field 'file'."));
            var form = await http.Request.ReadFormAsync(ct);
            var file = form.Files.GetFile("file");
            if (file is null) return Results.BadRequest(new ApiError("The form has no 'file' field."));
            await using var stream = file.OpenReadStream();
            var result = await models.UploadAsync(actor, stream, file.FileName, form["name"].ToString(), form["description"].ToString(), options.Value.Uploads.MaxModelBytes, ct: ct);
            return result.ModelId is int id
                ? Results.Created($"/api/models/{id}", new ApiCreated(id, $"/models/{id}"))
                : ErrorResult(result.Error!);
        }).DisableAntiforgery().WithSummary("Upload an ONNX model (multipart field 'file'; optional 'name', 'description') for your active team.");

        api.MapGet("/datasets", async (HttpContext http, ActorProvider actors, DatasetService datasets, CancellationToken ct) =>
        {
            var actor = await actors.GetAsync(http.User, ct);
            return Results.Ok((await datasets.ListAsync(actor, ct)).Select(d =>
                new ApiDataset(d.Id, d.Name, d.Team?.Name ?? "", d.Layout, d.Images, d.Classes, d.TestImages, d.TrainImages)));
        }).WithSummary("Datasets you can use.");

        api.MapPost("/runs", async ([FromBody] RunRequest request, HttpContext http, ActorProvider actors, RunService runs, CancellationToken ct) =>
        {
            var actor = await actors.GetAsync(http.User, ct);
            var created = await runs.CreateAsync(actor, request, ct);
            return created.RunId is int id ? Results.Created($"/api/runs/{id}", new ApiCreated(id, $"/runs/{id}")) : ErrorResult(created.Error!);
        }).WithSummary("Start a run (model, dataset, split, methods, protocol, thresholds, window, provider).");

        api.MapGet("/runs/{id:int}", async (int id, HttpContext http, ActorProvider actors, RunService runs, CancellationToken ct) =>
        {
            var run = await runs.GetAsync(await actors.GetAsync(http.User, ct), id, ct);
            return run is null ? Results.NotFound(new ApiError($"Run {id} does not exist or belongs to another team.")) : Results.Ok(ToApi(run));
        }).WithSummary("Status and progress of a run.");

        api.MapGet("/runs/{id:int}/result", async (int id, HttpContext http, ActorProvider actors, RunService runs, CancellationToken ct) =>
        {
            var run = await runs.GetAsync(await actors.GetAsync(http.User, ct), id, ct);
            if (run is null) return Results.NotFound(new ApiError($"Run {id} does not exist or belongs to another team."));
            if (run.ResultJson is null) return Results.Conflict(new ApiError($"Run {id} has no result yet (status {run.Status.ToString().ToLowerInvariant()})."));
            return Results.Text(run.ResultJson, "application/json");
        }).WithSummary("The result JSON (same shape as infocam evaluate --output).");

        api.MapPost("/runs/{id:int}/publish", async (int id, HttpContext http, ActorProvider actors, RunService runs, CancellationToken ct) =>
        {
            var error = await runs.PublishAsync(await actors.GetAsync(http.User, ct), id, true, ct);
            return error is null ? Results.Ok(new { published = true }) : ErrorResult(error);
        }).WithSummary("Publish a finished run to its leaderboard.");
    }

    private static ApiRun ToApi(RunRecord r) => new(r.Id, r.ModelId, r.DatasetId, r.Team?.Name ?? "", r.Status.ToString().ToLowerInvariant(),
        r.ImagesDone, r.ImagesTotal, r.ImagesPerSecond, r.ProviderUsed, r.Error, r.Published, r.QueuedAt, r.FinishedAt);

    /// <summary>Service messages to status codes: not yours → 404, quota → 429, size → 413, no team → 403, else 400.</summary>
    internal static IResult ErrorResult(string error) => error switch
    {
        _ when error.Contains("does not exist or belongs to another team", StringComparison.Ordinal) => Results.NotFound(new ApiError(error)),
        _ when error.StartsWith("Quota:", StringComparison.Ordinal) => Results.Json(new ApiError(error), statusCode: 429),
        _ when error.Contains("larger than", StringComparison.Ordinal) => Results.Json(new ApiError(error), statusCode: 413),
        _ when error.Contains("team first", StringComparison.Ordinal) || error.StartsWith("Sign in", StringComparison.Ordinal) => Results.Json(new ApiError(error), statusCode: 403),
        _ => Results.BadRequest(new ApiError(error)),
    };
}
