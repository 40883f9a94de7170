using System.Text.Json;
using InfoCamWeb.Web.Extensions;
using InfoCamWeb.Web.Features.Api;
using InfoCamWeb.Web.Features.Leaderboard;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Features.Benchmarks;

public sealed record ApiBenchmark(int Id, string Title, string Description, string Host, string Dataset, string Split, string Protocol,
    IReadOnlyList<string> Methods, string RankingMetric, bool HiddenGroundTruth, IReadOnlyList<ApiPhase> Phases);

public sealed record ApiPhase(int Id, string Name, DateTimeOffset Opens, DateTimeOffset Closes, int SubsetFrom, int SubsetTo, int Images,
    string Visibility, string Rule, int DailyLimit, int TotalLimit, bool Open, bool BoardShown);

public sealed record ApiBenchmarkRow(int Rank, int Submission, string Team, bool IsBaseline, string Model, string Method, double Score, double CiLow, double CiHigh,
    double Top1Loc, double GtKnownLoc, double MaxBoxAcc, double MaxBoxAccV2, double Top1Cls, LeaderGap? VsLeader, bool TiedAtTop, Reproduction Reproduction);

public sealed record ApiBoard(int Benchmark, int Phase, string PhaseName, string Metric, DateTimeOffset? HiddenUntil, IReadOnlyList<ApiBenchmarkRow> Rows);

/// <summary>What <c>POST /api/benchmarks/{id}/submissions</c> takes as JSON: a phase and one of the team's models.</summary>
public sealed record ApiSubmissionRequest(int PhaseId, int ModelId);

public sealed record ApiSubmissionCreated(int Id, int RunId, string Url);

/// <summary>The benchmark API (personal access tokens) and the boards' CSV/JSON export for the pages.</summary>
public static class BenchmarkEndpoints
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void MapApi(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/benchmarks").WithTags("Benchmarks");
        group.MapGet("", async (BenchmarkService benchmarks, CancellationToken ct) => Results.Ok(await benchmarks.ListAsync(ct)))
            .WithSummary("Every benchmark: title, host team, dataset, split, whether its ground truth is hidden, the open phase.");
        group.MapGet("/{id:int}", async (int id, HttpContext http, ActorProvider actors, BenchmarkService benchmarks, CancellationToken ct) =>
        {
            var view = await benchmarks.GetAsync(await actors.GetAsync(http.User, ct), id, ct);
            return view is null ? NotFound(id) : Results.Ok(ToApi(view));
        }).WithSummary("A benchmark and its phases (dates, images, visibility, entry rule, limits).");
        group.MapPost("", async ([FromBody] BenchmarkRequest request, HttpContext http, ActorProvider actors, BenchmarkService benchmarks, CancellationToken ct) =>
        {
            var (id, error) = await benchmarks.CreateAsync(await actors.GetAsync(http.User, ct), request, ct);
            return id is int created ? Results.Created($"/api/benchmarks/{created}", new ApiCreated(created, $"/benchmarks/{created}")) : ApiEndpoints.ErrorResult(error!);
        }).WithSummary("Create a benchmark (hosts): title, Markdown description, dataset of your team, split, protocol, methods, ranking metric, hidden ground truth, phases.");
        group.MapPut("/{id:int}", async (int id, [FromBody] BenchmarkRequest request, HttpContext http, ActorProvider actors, BenchmarkService benchmarks, CancellationToken ct) =>
        {
            var actor = await actors.GetAsync(http.User, ct);
            if (await benchmarks.UpdateAsync(actor, id, request, ct) is { } error) return ApiEndpoints.ErrorResult(error);
            return await benchmarks.GetAsync(actor, id, ct) is { } view ? Results.Ok(ToApi(view)) : NotFound(id);
        }).WithSummary("Edit a benchmark (a host of its team): the same fields as on creation, phases matched by id (none: a new phase). The dataset and hidden ground truth never change; split, protocol and methods not once there are submissions; a phase with submissions keeps its images and stays.");
        group.MapGet("/{id:int}/leaderboard", async (int id, int? phase, HttpContext http, ActorProvider actors, BenchmarkService benchmarks, CancellationToken ct) =>
        {
            var actor = await actors.GetAsync(http.User, ct);
            var view = await benchmarks.GetAsync(actor, id, ct);
            if (view is null) return NotFound(id);
            int phaseId = phase ?? DefaultPhase(view);
            var board = await benchmarks.BoardAsync(actor, id, phaseId, ct);
            return board is null ? ApiProblems.Result(StatusCodes.Status404NotFound, ApiProblems.NotFound, $"Benchmark {id} has no phase {phaseId}.") : Results.Ok(ToApi(id, board));
        }).WithSummary("A phase's board (?phase=ID; default the open phase, else the last): each team's standing entry, score and 95 % interval, the gap to the leader with its p-value, tied at the top, what reproduces it.");
        group.MapGet("/{id:int}/compare", async (int id, int phase, int a, int b, HttpContext http, ActorProvider actors, BenchmarkService benchmarks, CancellationToken ct) =>
        {
            var (gap, error) = await benchmarks.PairAsync(await actors.GetAsync(http.User, ct), id, phase, a, b, ct);
            return gap is null ? ApiEndpoints.ErrorResult(error!) : Results.Ok(new { phase, a, b, aMinusB = gap });
        }).WithSummary("Two entries of a shown board (?phase=&a=&b=, submission ids) against each other on the ranking metric, paired over the images: A minus B, its 95 % interval, p and the test.");
        group.MapPost("/{id:int}/submissions", SubmitAsync).DisableAntiforgery()
            .WithSummary("Submit to a phase: JSON {phaseId, modelId} with one of your team's models, or multipart with 'phaseId' and the ONNX model in 'file' (uploaded first). Limits answer 429 with the reason; a model refused by validation answers 400 and counts.");
        group.MapGet("/{id:int}/submissions", async (int id, int phase, HttpContext http, ActorProvider actors, BenchmarkService benchmarks, CancellationToken ct) =>
        {
            var (list, limits) = await benchmarks.SubmissionsAsync(await actors.GetAsync(http.User, ct), phase, ct);
            return Results.Ok(new { submissions = list, limits });
        }).WithSummary("Your team's submissions to a phase (?phase=ID) and the limits used.");
    }

    private static async Task<IResult> SubmitAsync(int id, HttpContext http, ActorProvider actors, BenchmarkService benchmarks, Models.ModelService models,
        IOptions<InfoCamOptions> options, CancellationToken ct)
    {
        var actor = await actors.GetAsync(http.User, ct);
        int phaseId, modelId;
        if (http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync(ct);
            if (!int.TryParse(form["phaseId"], out phaseId)) return Invalid("The form has no number in the field 'phaseId'.");
            if (form.Files.GetFile("file") is not { } file) return Invalid("The form has no 'file' field with the ONNX model.");
            // Closed phase or limit reached: said before the model is stored.
            if (await benchmarks.PreflightAsync(actor, id, phaseId, ct) is { } refused) return ApiEndpoints.ErrorResult(refused);
            if (file.Length > options.Value.Uploads.MaxModelBytes) return ApiProblems.Result(StatusCodes.Status413PayloadTooLarge, ApiProblems.TooLarge, "The model is larger than the upload limit.");
            await using var stream = file.OpenReadStream();
            var upload = await models.UploadAsync(actor, stream, file.FileName, form["name"].ToString(), "", options.Value.Uploads.MaxModelBytes, ct: ct);
            if (upload.ModelId is not int uploaded)
            {
                // A file the model validation refuses is a submission refused with its reason: it counts.
                if (upload.Error!.Kind != ErrorKind.Invalid) return ApiEndpoints.ErrorResult(upload.Error);
                await using var again = file.OpenReadStream();
                var sha = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(again, ct));
                var recorded = await benchmarks.RecordRefusalAsync(actor, id, phaseId, sha, upload.Error.Message, ct);
                return ApiEndpoints.ErrorResult(recorded.Error!);
            }
            modelId = uploaded;
        }
        else
        {
            var body = await http.Request.ReadFromJsonAsync<ApiSubmissionRequest>(ct);
            if (body is null) return Invalid("Send JSON {\"phaseId\": N, \"modelId\": N} or a multipart form.");
            (phaseId, modelId) = (body.PhaseId, body.ModelId);
        }
        var result = await benchmarks.SubmitAsync(actor, id, phaseId, modelId, ct);
        if (result.Error is { } error) return ApiEndpoints.ErrorResult(error);
        return Results.Created($"/api/runs/{result.RunId}", new ApiSubmissionCreated(result.SubmissionId!.Value, result.RunId!.Value, $"/runs/{result.RunId}"));
    }

    /// <summary>The page's export of a board it shows: /benchmarks/{id}/phases/{phase}/leaderboard.csv or .json.</summary>
    public static void MapExports(WebApplication app)
    {
        app.MapGet("/benchmarks/{id:int}/phases/{phase:int}/leaderboard.{format}", async (int id, int phase, string format, HttpContext http, ActorProvider actors,
            BenchmarkService benchmarks, CancellationToken ct) =>
        {
            var board = await benchmarks.BoardAsync(await actors.GetAsync(http.User, ct), id, phase, ct);
            if (board is null || format is not ("csv" or "json")) return Results.NotFound();
            return format == "csv"
                ? Results.File(System.Text.Encoding.UTF8.GetBytes(ToCsv(board)), "text/csv", $"benchmark-{id}-phase-{phase}.csv")
                : Results.Json(ToApi(id, board), Indented);
        });
    }

    /// <summary>The board's rows as the leaderboard CSV, with the reproduction columns appended.</summary>
    internal static string ToCsv(PhaseBoard board) => LeaderboardService.ToCsv(board.Rows, r => r.Row,
    [
        ("model_sha256", r => r.Reproduction.ModelSha256),
        ("engine_version", r => r.Reproduction.EngineVersion),
        ("provider", r => r.Reproduction.Provider),
        ("precision", r => r.Reproduction.Precision),
    ]);

    private static int DefaultPhase(BenchmarkView view) =>
        (view.Phases.FirstOrDefault(p => p.Open) ?? view.Phases.LastOrDefault())?.Phase.Id ?? 0;

    private static ApiBenchmark ToApi(BenchmarkView v) => new(v.Benchmark.Id, v.Benchmark.Title, v.Benchmark.Description, v.HostTeam, v.DatasetName,
        v.Benchmark.Split, v.Benchmark.Protocol, v.Benchmark.Methods.Split(','), v.Benchmark.RankingMetric, v.Benchmark.HiddenGroundTruth,
        v.Phases.Select(p => new ApiPhase(p.Phase.Id, p.Phase.Name, p.Phase.Opens, p.Phase.Closes, p.Phase.SubsetFrom, p.Phase.SubsetTo, p.Images,
            p.Phase.Visibility == Data.Entities.BoardVisibility.Public ? "public" : "after-close", p.Phase.Rule.ToString().ToLowerInvariant(),
            p.Phase.DailyLimit, p.Phase.TotalLimit, p.Open, p.BoardShown)).ToList());

    private static ApiBoard ToApi(int benchmark, PhaseBoard b) => new(benchmark, b.Phase.Phase.Id, b.Phase.Phase.Name, b.Metric.ToString(), b.HiddenUntil,
        b.Rows.Select(r => new ApiBenchmarkRow(r.Row.Rank, r.SubmissionId, r.Row.Team, r.Row.IsBaseline, r.Row.Model, r.Row.Method, r.Row.Score, r.Row.CiLow, r.Row.CiHigh,
            r.Row.Top1Loc, r.Row.GtKnownLoc, r.Row.MaxBoxAcc, r.Row.MaxBoxAccV2, r.Row.Top1Cls, r.Row.VsLeader, r.Row.TiedAtTop, r.Reproduction)).ToList());

    private static IResult NotFound(int id) => ApiProblems.Result(StatusCodes.Status404NotFound, ApiProblems.NotFound, $"Benchmark {id} does not exist.");

    private static IResult Invalid(string detail) => ApiProblems.Result(StatusCodes.Status400BadRequest, ApiProblems.InvalidInput, detail);
}
