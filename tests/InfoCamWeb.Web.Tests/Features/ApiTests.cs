using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Web.Features;
using InfoCamWeb.Web.Features.Api;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Tests.Features;

/// <summary>The REST API as a CI script uses it: token, upload, list, run, poll, result, publish.</summary>
[Collection(WebAppCollection.Name)]
public class ApiTests(WebAppFixture app)
{
    private async Task<(HttpClient Client, InfoCamWeb.Data.Actor Actor, string Token)> ClientAsync()
    {
        var actor = await app.NewTeamMemberAsync();
        var (token, error) = await app.Get<ApiTokenService>().CreateAsync(actor, "ci");
        Assert.Null(error);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (client, actor, token!);
    }

    private static MultipartFormDataContent ModelForm(string path, string name)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(File.ReadAllBytes(path));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", Path.GetFileName(path));
        form.Add(new StringContent(name), "name");
        return form;
    }

    [Fact]
    public async Task A_script_uploads_a_model_runs_it_polls_fetches_the_result_and_publishes_it()
    {
        var (client, _, _) = await ClientAsync();
        var upload = await client.PostAsync("/api/models", ModelForm(Path.Combine(WebAppFixture.RepoRoot, "datasets", "demo-model", "demo-cnn.onnx"), "api model"));
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        int modelId = (await upload.Content.ReadFromJsonAsync<ApiCreated>())!.Id;

        var datasets = await client.GetFromJsonAsync<List<ApiDataset>>("/api/datasets");
        var demo = datasets!.First(d => d.Team == "Baselines");

        var start = await client.PostAsJsonAsync("/api/runs", new { modelId, datasetId = demo.Id, methods = new[] { "cam", "infocam" } });
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        int runId = (await start.Content.ReadFromJsonAsync<ApiCreated>())!.Id;

        Assert.Equal(HttpStatusCode.Conflict, (await client.GetAsync($"/api/runs/{runId}/result")).StatusCode is HttpStatusCode.Conflict or HttpStatusCode.OK ? HttpStatusCode.Conflict : HttpStatusCode.InternalServerError);
        ApiRun? status = null;
        for (int i = 0; i < 600 && status?.Status is not ("succeeded" or "failed"); i++)
        {
            await Task.Delay(200);
            status = await client.GetFromJsonAsync<ApiRun>($"/api/runs/{runId}", new JsonSerializerOptions(JsonSerializerDefaults.Web));
        }
        Assert.Equal("succeeded", status!.Status);
        Assert.Equal(160, status.ImagesDone);
        var local = app.Get<Microsoft.Extensions.Options.IOptions<InfoCamWeb.Web.Extensions.InfoCamOptions>>().Value.Worker.LocalWorkerName;
        Assert.Equal([(0, 39), (40, 79), (80, 119), (120, 159)], status.Shards.Select(s => (s.First, s.Last)));
        Assert.All(status.Shards, s => Assert.Equal(("done", local), (s.State, s.Worker)));

        var result = ResultFiles.FromJson(await client.GetStringAsync($"/api/runs/{runId}/result"));
        Assert.Equal(["cam", "infocam"], result.Methods.Keys);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/runs/{runId}/publish", null)).StatusCode);
        Assert.True((await client.GetFromJsonAsync<ApiRun>($"/api/runs/{runId}", new JsonSerializerOptions(JsonSerializerDefaults.Web)))!.Published);
    }

    [Fact]
    public async Task Missing_altered_or_revoked_tokens_get_401_with_a_json_error()
    {
        var (client, actor, token) = await ClientAsync();
        var anonymous = app.CreateClient();
        var none = await anonymous.GetAsync("/api/datasets");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Contains("personal access token", await none.Content.ReadAsStringAsync());
        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token[..^1] + (token[^1] == 'a' ? 'b' : 'a'));
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/datasets")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/datasets")).StatusCode);
        var tokens = app.Get<ApiTokenService>();
        var listed = (await tokens.ListAsync(actor)).Single();
        Assert.StartsWith(listed.Prefix, token);
        Assert.Null(await tokens.RevokeAsync(actor, listed.Id));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/datasets")).StatusCode);
        await using var db = await app.Db.CreateDbContextAsync();
        Assert.DoesNotContain(await db.ApiTokens.Select(t => t.TokenHash).ToListAsync(), h => h == token);
    }

    [Fact]
    public async Task The_api_applies_the_ownership_rules_and_quotas_with_proper_status_codes()
    {
        var (a, _, _) = await ClientAsync();
        var (b, _, _) = await ClientAsync();
        var upload = await a.PostAsync("/api/models", ModelForm(Path.Combine(WebAppFixture.RepoRoot, "datasets", "demo-model", "demo-cnn.onnx"), "a"));
        int modelA = (await upload.Content.ReadFromJsonAsync<ApiCreated>())!.Id;
        var demo = (await b.GetFromJsonAsync<List<ApiDataset>>("/api/datasets"))!.First(d => d.Team == "Baselines");
        Assert.DoesNotContain((await b.GetFromJsonAsync<List<ApiModel>>("/api/models"))!, m => m.Id == modelA);

        var refused = await b.PostAsJsonAsync("/api/runs", new { modelId = modelA, datasetId = demo.Id });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("Choose a model.", (await ProblemAsync(refused, "invalid_input")).Detail);

        var runA = (await (await a.PostAsJsonAsync("/api/runs", new { modelId = modelA, datasetId = demo.Id })).Content.ReadFromJsonAsync<ApiCreated>())!.Id;
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"/api/runs/{runA}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"/api/runs/{runA}/result")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PostAsync($"/api/runs/{runA}/publish", null)).StatusCode);

        var garbage = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "file", "x.onnx" } };
        var bad = await a.PostAsync("/api/models", garbage);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("not an ONNX model", (await ProblemAsync(bad)).Detail);

        // Concurrent-run quota (3 by default): a 4th queued run of the team is refused with 429.
        var codes = new List<HttpStatusCode>();
        for (int i = 0; i < 4; i++)
        {
            codes.Add((await a.PostAsJsonAsync("/api/runs", new { modelId = modelA, datasetId = demo.Id, split = "all", thresholdStep = 0.001 })).StatusCode);
        }
        Assert.Contains((HttpStatusCode)429, codes);
    }

    private static MultipartFormDataContent ArchiveForm(byte[] archive, string fileName)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(archive);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        form.Add(file, "file", fileName);
        return form;
    }

    private static byte[] ZipOf(string folder, Func<string, string, string?>? edit = null)
    {
        using var ms = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(ms, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var path in Directory.GetFiles(folder, "*", SearchOption.AllDirectories))
            {
                var name = "cub/" + Path.GetRelativePath(folder, path).Replace('\\', '/');
                var text = name.EndsWith(".txt", StringComparison.Ordinal) ? File.ReadAllText(path) : null;
                using var s = zip.CreateEntry(name).Open();
                if (text is not null && edit is not null) s.Write(System.Text.Encoding.UTF8.GetBytes(edit(name, text) ?? text));
                else s.Write(File.ReadAllBytes(path));
            }
        }
        return ms.ToArray();
    }

    [Fact]
    public async Task A_dataset_archive_is_uploaded_through_the_api_and_a_broken_one_answers_its_problems_by_file_and_line()
    {
        var (client, actor, _) = await ClientAsync();
        var demo = Path.Combine(WebAppFixture.RepoRoot, "datasets", "demo-cub");
        var paths = app.Get<InfoCamWeb.Data.InfoCamPaths>();
        var before = Directory.GetDirectories(paths.DatasetsFolder).Length;

        var broken = ZipOf(demo, (name, text) => name == "cub/bounding_boxes.txt" ? text.Replace("1 0.0 37.0 103.0 99.0", "1 0.0 37.0 NaN 99.0") : null);
        var refused = await client.PostAsync("/api/datasets", ArchiveForm(broken, "broken.zip"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var body = await ProblemAsync(refused, "dataset_invalid");
        Assert.Equal(["bounding_boxes.txt, line 1, width: 'NaN' is not a finite number."],
            ((JsonElement)body.Extensions["problems"]!).EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(1, ((JsonElement)body.Extensions["totalProblems"]!).GetInt32());

        var traversal = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(traversal, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            zip.CreateEntry("cub/../../evil.txt").Open().Dispose();
        }
        var evil = await client.PostAsync("/api/datasets", ArchiveForm(traversal.ToArray(), "evil.zip"));
        Assert.Equal(HttpStatusCode.BadRequest, evil.StatusCode);
        Assert.Equal("Entry 'cub/../../evil.txt' has an empty, '.' or '..' path segment.", (await ProblemAsync(evil)).Detail);
        Assert.Equal(before, Directory.GetDirectories(paths.DatasetsFolder).Length);
        Assert.Empty(Directory.GetFiles(paths.UploadsFolder));

        var created = await client.PostAsync("/api/datasets", ArchiveForm(ZipOf(demo), "finches.zip"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<ApiCreated>())!.Id;
        var listed = await client.GetFromJsonAsync<List<ApiDataset>>("/api/datasets");
        var team = "team " + (await app.EmailOfAsync(actor)).Split('@')[0];
        Assert.Contains(listed!, d => d.Id == id && d.Images == 320 && d.Team == team);
    }

    [Fact]
    public async Task A_locked_database_answers_503_with_a_retry_hint_and_changes_nothing()
    {
        var (client, actor, _) = await ClientAsync();
        var demo = await app.DemoRunAsync();
        var runs = app.Get<InfoCamWeb.Web.Features.Runs.RunService>();
        var id = (await runs.CreateAsync(actor, new InfoCamWeb.Web.Features.Runs.RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId })).RunId!.Value;
        await app.WaitForRunAsync(id);
        HttpResponseMessage response;
        await using (var holder = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={app.Get<InfoCamWeb.Data.InfoCamPaths>().Database}"))
        {
            await holder.OpenAsync();
            await using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE;";
                await begin.ExecuteNonQueryAsync();
            }
            response = await client.PostAsync($"/api/runs/{id}/publish", null);
            await using var rollback = holder.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync();
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("5", response.Headers.RetryAfter?.ToString());
        Assert.Equal(InfoCamWeb.Data.InfoCamDbContext.BusyMessage, (await ProblemAsync(response, "database_busy")).Detail);
        await using (var db = await app.Db.CreateDbContextAsync())
        {
            Assert.False((await db.Runs.FirstAsync(r => r.Id == id)).Published);
        }
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/runs/{id}/publish", null)).StatusCode);
    }

    [Theory]
    [InlineData(ErrorKind.Invalid, 400, "invalid_input")]
    [InlineData(ErrorKind.NotFound, 404, "not_found")]
    [InlineData(ErrorKind.NoTeam, 403, "no_team")]
    [InlineData(ErrorKind.Quota, 429, "quota_exceeded")]
    [InlineData(ErrorKind.TooLarge, 413, "too_large")]
    public void A_service_refusal_gets_the_status_and_code_of_its_kind_whatever_its_words(ErrorKind kind, int status, string code)
    {
        // Words that once chose the status are in every message: only the kind may decide.
        const string words = "Quota: Sign in; larger than the limit; does not exist or belongs to another team; create a team first.";
        var result = Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult>(ApiEndpoints.ErrorResult(new ServiceError(kind, words)));
        Assert.Equal(status, result.StatusCode);
        Assert.Equal(code, result.ProblemDetails.Extensions["code"]);
        Assert.Equal(words, result.ProblemDetails.Detail);
    }

    /// <summary>Every API error is ProblemDetails (application/problem+json) with a stable code.</summary>
    internal static async Task<Microsoft.AspNetCore.Mvc.ProblemDetails> ProblemAsync(HttpResponseMessage response, string? code = null)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>())!;
        Assert.Equal((int)response.StatusCode, problem.Status);
        var actual = ((JsonElement)problem.Extensions["code"]!).GetString();
        Assert.False(string.IsNullOrEmpty(actual));
        if (code is not null) Assert.Equal(code, actual);
        // Every problem, from an endpoint, a middleware or the token handler, is written by the one ProblemDetails
        // service: it has a type and the request's trace id.
        Assert.False(string.IsNullOrEmpty(problem.Type));
        Assert.True(problem.Extensions.ContainsKey("traceId"), "The problem has no traceId.");
        return problem;
    }

    [Fact]
    public async Task Malformed_json_and_unknown_routes_answer_problem_details_that_say_what_is_wrong()
    {
        var (client, _, _) = await ClientAsync();
        var malformed = await client.PostAsync("/api/runs", new StringContent("{\"modelId\": 1,", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("JSON", (await ProblemAsync(malformed, "bad_request")).Detail);

        var wrongType = await client.PostAsync("/api/runs", new StringContent("{\"modelId\": \"seven\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.Contains("modelId", (await ProblemAsync(wrongType, "bad_request")).Detail);

        var missing = await client.GetAsync("/api/no-such-thing");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        await ProblemAsync(missing, "not_found");

        var run = await client.GetAsync("/api/runs/987654321");
        Assert.Equal("Run 987654321 does not exist or belongs to another team.", (await ProblemAsync(run, "not_found")).Detail);

        var unauthorized = await app.CreateClient().GetAsync("/api/runs/1");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        await ProblemAsync(unauthorized, "unauthorized");
    }
}

[Collection(WebAppCollection.Name)]
public class ApiDocumentationTests(WebAppFixture app)
{
    [Fact]
    public async Task The_api_is_described_by_openapi_with_an_interactive_page()
    {
        var client = app.CreateClient();
        var doc = await client.GetStringAsync("/openapi/v1.json");
        foreach (var path in new[] { "/api/models", "/api/datasets", "/api/runs", "/api/runs/{id}", "/api/runs/{id}/result", "/api/runs/{id}/publish", "/api/benchmarks/{id}/leaderboard", "/api/benchmarks/{id}/submissions" })
        {
            Assert.Contains($"\"{path}\"", doc);
        }
        Assert.Contains("InfoCamWeb API", doc);
        using var json = System.Text.Json.JsonDocument.Parse(doc);
        var paths = json.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.All(paths, p => Assert.StartsWith("/api/", p)); // no /account/logout or other page forms
        var tags = json.RootElement.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject())
            .SelectMany(op => op.Value.GetProperty("tags").EnumerateArray().Select(t => t.GetString())).Distinct().Order().ToList();
        Assert.Equal(["Benchmarks", "Datasets", "Models", "Runs", "Workers"], tags);
        var ui = await client.GetAsync("/api/docs/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Contains("swagger", (await ui.Content.ReadAsStringAsync()).ToLowerInvariant());
    }

}

[Collection(WebAppCollection.Name)]
public class UploadQuotaTests(WebAppFixture app)
{
    private sealed class Clock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Upload_attempts_are_counted_refused_ones_included_and_the_window_slides_after_an_hour()
    {
        var actor = await app.NewTeamMemberAsync();
        var clock = new Clock(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        var options = Microsoft.Extensions.Options.Options.Create(new InfoCamWeb.Web.Extensions.InfoCamOptions());
        options.Value.Quotas.UploadAttemptsPerTeamPerHour = 3;
        var quota = new UploadQuota(app.Db, options, clock);
        int team = actor.ActiveTeamId!.Value;
        for (int i = 0; i < 3; i++)
        {
            Assert.Null(await quota.ExceededAsync(team));
            clock.Now = clock.Now.AddMinutes(10);
        }
        Assert.Equal(ServiceError.Quota("Quota: your team tried 3 uploads in the last hour (at most 3); try again in 30 min."), await quota.ExceededAsync(team));
        Assert.Null(await quota.ExceededAsync(team + 100_000)); // another team is not affected
        clock.Now = clock.Now.AddMinutes(31);
        Assert.Null(await quota.ExceededAsync(team));
    }
}
