using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Features;
using InfoCamWeb.Web.Features.Admin;
using InfoCamWeb.Web.Features.Api;
using InfoCamWeb.Web.Features.Benchmarks;
using InfoCamWeb.Web.Features.Compare;
using InfoCamWeb.Web.Features.Images;
using InfoCamWeb.Web.Features.Models;
using InfoCamWeb.Web.Features.Runs;
using InfoCamWeb.Web.Features.Sharing;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Tests.Features.Benchmarks;

[Collection(WebAppCollection.Name)]
public class BenchmarkTests(WebAppFixture app)
{
    /// <summary>Team A (private demo-format dataset) made host, and its hidden benchmark: development [0, 30) public, final [30, 100) shown at the close.</summary>
    private async Task<(PrivateItems Host, Actor HostActor, int Benchmark, int Development, int Final)> HiddenBenchmarkAsync(int dailyLimit = 3)
    {
        var host = await app.TeamWithPrivateItemsAsync();
        Assert.Null(await app.Get<SiteRoleService>().SetFromCommandLineAsync(await app.EmailOfAsync(host.A), SiteRole.Host, true));
        var actor = await app.ActorAsync(host.A.UserId!);
        var now = DateTimeOffset.UtcNow;
        var (id, error) = await app.Get<BenchmarkService>().CreateAsync(actor, new BenchmarkRequest
        {
            Title = "Hidden finches", Description = "Find the **head mark**.", DatasetId = host.Dataset, HiddenGroundTruth = true,
            Phases =
            [
                new PhaseRequest { Name = "Development", Opens = now.AddMinutes(-1), Closes = now.AddDays(7), SubsetFrom = 0, SubsetTo = 30, DailyLimit = dailyLimit, TotalLimit = 10 },
                new PhaseRequest { Name = "Final", Opens = now.AddMinutes(-1), Closes = now.AddDays(14), SubsetFrom = 30, SubsetTo = 100, Visibility = "after-close", Rule = "last" },
            ],
        });
        Assert.Null(error);
        var view = await app.Get<BenchmarkService>().GetAsync(actor, id!.Value);
        return (host, actor, id.Value, view!.Phases[0].Phase.Id, view.Phases[1].Phase.Id);
    }

    private async Task<int> UploadDemoModelAsync(Actor actor)
    {
        await using var file = File.OpenRead(Path.Combine(WebAppFixture.RepoRoot, "datasets", "demo-model", "demo-cnn.onnx"));
        return (await app.Get<ModelService>().UploadAsync(actor, file, "demo.onnx", "participant model", "", 1L << 30)).ModelId!.Value;
    }

    private async Task<(int Submission, int Run)> SubmitAndWaitAsync(Actor actor, int benchmark, int phase, int model)
    {
        var result = await app.Get<BenchmarkService>().SubmitAsync(actor, benchmark, phase, model);
        Assert.Null(result.Error);
        var run = await app.WaitForRunAsync(result.RunId!.Value);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        return (result.SubmissionId!.Value, run.Id);
    }

    [Fact]
    public async Task Hidden_ground_truth_reaches_a_participant_through_no_channel_while_the_host_sees_it_all()
    {
        var (host, hostActor, benchmark, development, _) = await HiddenBenchmarkAsync();
        var participant = await app.NewTeamMemberAsync();
        var (_, runId) = await SubmitAndWaitAsync(participant, benchmark, development, await UploadDemoModelAsync(participant));
        var runs = app.Get<RunService>();

        // The run covers the development part only.
        var dataset = DatasetLoader.Load(Path.Combine(WebAppFixture.RepoRoot, "datasets", "demo-cub"));
        int part = new ImageSubset(0, 30).Of(dataset.Select(DatasetSplit.Test)).Count;
        Assert.Equal(part, (await runs.GetAsync(participant, runId))!.ImagesTotal);

        // Run page data and the result JSON: aggregate scores, no per-class table.
        var seen = RunService.Result((await runs.GetAsync(participant, runId))!)!;
        Assert.All(seen.Methods.Values, m => Assert.Empty(m.PerClassGtKnownLoc));
        Assert.True(seen.Methods["cam"].Top1Loc >= 0);
        Assert.NotEmpty(RunService.Result((await runs.GetAsync(hostActor, runId))!)!.Methods["cam"].PerClassGtKnownLoc);
        var client = await app.SignedInClientAsync(participant);
        Assert.DoesNotContain("\"perClassGtKnownLoc\":{\"", await client.GetStringAsync($"/runs/{runId}/result.json"));
        var page = await client.GetStringAsync($"/runs/{runId}");
        Assert.Contains("hidden ground truth", page);
        Assert.DoesNotContain("images.csv", page);

        // Per-image CSV: refused.
        using var csv = await client.GetAsync($"/runs/{runId}/images.csv");
        Assert.Equal(HttpStatusCode.Forbidden, csv.StatusCode);
        Assert.Contains("hidden ground truth", await csv.Content.ReadAsStringAsync());

        // Image browser and detail: maps and predicted boxes, no IoU; filters that read the ground truth are ignored.
        var images = app.Get<ImageBrowserService>();
        var hits = await images.QueryAsync(participant, runId, new ImageQuery { Outcome = "hit", PageSize = 500 });
        Assert.False(hits!.Shown.Annotations);
        Assert.Equal(part, hits.Total);
        Assert.Equal(Enumerable.Range(0, part), hits.Rows.Select(r => r.Index));
        Assert.All(hits.Rows, r => Assert.All(r.IoU, v => Assert.True(double.IsNaN(v))));
        var detail = await images.DetailAsync(participant, runId, 0);
        Assert.All(detail!.Methods, m => Assert.True(double.IsNaN(m.IoU)));
        var browser = await client.GetStringAsync($"/runs/{runId}/images");
        Assert.Contains("predicted ", browser); // the rows are there (maps and predicted classes)
        Assert.Contains("hidden ground truth", browser);
        Assert.DoesNotContain("IoU 0.", browser);
        Assert.DoesNotContain("IoU 1.", browser);

        // The photo is drawn without the ground-truth box: the host's own run of the same weights on the same image has it.
        var imageId = (await images.DetailAsync(hostActor, runId, 0))!.ImageId;
        await using (var db = await app.Db.CreateDbContextAsync())
        {
            int hostIndex = await db.RunImages.Where(i => i.RunId == host.Run && i.ImageId == imageId).Select(i => i.Index).SingleAsync();
            var hidden = await client.GetByteArrayAsync($"/runs/{runId}/images/0/photo.jpg");
            var shown = await (await app.SignedInClientAsync(host.A)).GetByteArrayAsync($"/runs/{host.Run}/images/{hostIndex}/photo.jpg");
            Assert.True(GreenPixels(shown) > GreenPixels(hidden) + 50, $"green pixels: host view {GreenPixels(shown)}, participant view {GreenPixels(hidden)}");
            // The host opening the submission itself sees the ground truth drawn, and that view leaves the participant's unchanged.
            var hostOfSubmission = await (await app.SignedInClientAsync(host.A)).GetByteArrayAsync($"/runs/{runId}/images/0/photo.jpg");
            Assert.True(GreenPixels(hostOfSubmission) > GreenPixels(hidden) + 50, $"green pixels: host's view of the submission {GreenPixels(hostOfSubmission)}, participant's {GreenPixels(hidden)}");
            Assert.Equal(hidden, await client.GetByteArrayAsync($"/runs/{runId}/images/0/photo.jpg"));
            // The same image through a share link of the submission: as the participant's.
            var (link, _) = await app.Get<ShareService>().CreateAsync(participant, runId);
            Assert.Equal(hidden, await app.CreateClient().GetByteArrayAsync($"/s/{link}/images/0/photo.jpg"));
            var sharedImage = await app.CreateClient().GetStringAsync($"/s/{link}/images/0");
            Assert.Contains("id=\"image-id\"", sharedImage);
            Assert.Contains("ground truth hidden", sharedImage);
            Assert.DoesNotContain("IoU 0.", sharedImage);
        }

        // Share link: the anonymous view shows the aggregate only.
        var (token, _) = await app.Get<ShareService>().CreateAsync(participant, runId);
        var anonymous = app.CreateClient();
        var shared = await anonymous.GetStringAsync($"/s/{token}");
        Assert.Contains("predicted ", shared); // the image rows are there
        Assert.DoesNotContain("IoU 0.", shared);
        Assert.DoesNotContain("\"perClassGtKnownLoc\":{\"", await anonymous.GetStringAsync($"/s/{token}/result.json"));

        // API: the same redacted result.
        var (apiToken, _) = await app.Get<ApiTokenService>().CreateAsync(participant, "bench");
        var api = app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiToken);
        using var result = JsonDocument.Parse(await api.GetStringAsync($"/api/runs/{runId}/result"));
        Assert.Empty(result.RootElement.GetProperty("methods").GetProperty("cam").GetProperty("perClassGtKnownLoc").EnumerateObject());

        // Comparisons, publishing, the dataset and its gallery: refused or absent.
        Assert.Equal(GroundTruthPolicy.PerImageRefusal(runId), (await app.Get<CompareService>().CompareAsync(participant, [runId, await SecondRunAsync(participant, benchmark, development)], null, null)).Error!.Message);
        Assert.Contains("hidden ground truth", (await runs.PublishAsync(participant, runId, true))!.Message);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/datasets/{host.Dataset}/images/0.png")).StatusCode);
        Assert.Contains($"does not exist", await client.GetStringAsync($"/datasets/{host.Dataset}"));
    }

    [Fact]
    public async Task Limits_refuse_a_submission_with_the_reason_refused_models_count_and_server_failures_do_not()
    {
        var (_, _, benchmark, development, _) = await HiddenBenchmarkAsync(dailyLimit: 2);
        var participant = await app.NewTeamMemberAsync();
        var benchmarks = app.Get<BenchmarkService>();
        // A model with 5 outputs cannot score the 8 classes: refused, with the reason, and counted.
        var five = (await app.Get<ModelService>().UploadAsync(participant, new MemoryStream(InfoCamWeb.Core.Tests.TinyOnnx.GapGemm(classes: 5, size: 64)), "five.onnx", "five", "", 1L << 30)).ModelId!.Value;
        var refused = await benchmarks.SubmitAsync(participant, benchmark, development, five);
        Assert.StartsWith("The model was refused (this counts as a submission): ", refused.Error!.Message);
        Assert.Null(refused.RunId);
        var (_, run) = await SubmitAndWaitAsync(participant, benchmark, development, await UploadDemoModelAsync(participant));

        var third = await benchmarks.SubmitAsync(participant, benchmark, development, five);
        Assert.Equal(ErrorKind.Quota, third.Error!.Kind);
        Assert.Equal("Limit: your team has made 2 submissions to this phase in the last 24 hours (at most 2 a day); try again later.", third.Error.Message);
        var (list, limits) = await benchmarks.SubmissionsAsync(participant, development);
        Assert.Equal(2, list.Count);
        Assert.Equal(new SubmissionLimits(2, 2, 2, 10), limits);
        Assert.Contains(list, s => s.State == "refused" && s.Counted && s.Refusal!.Length > 0);

        // A run its model failed counts; a run the server failed does not: the team may submit again.
        await using (var db = await app.Db.CreateDbContextAsync())
        {
            await db.Runs.Where(r => r.Id == run).ExecuteUpdateAsync(x => x.SetProperty(r => r.Status, RunStatus.Failed).SetProperty(r => r.FailedByModel, true));
        }
        Assert.Equal(2, (await benchmarks.SubmissionsAsync(participant, development)).Limits.UsedToday);
        await using (var db = await app.Db.CreateDbContextAsync())
        {
            await db.Runs.Where(r => r.Id == run).ExecuteUpdateAsync(x => x.SetProperty(r => r.FailedByModel, false));
        }
        (list, limits) = await benchmarks.SubmissionsAsync(participant, development);
        Assert.Equal(1, limits.UsedToday);
        Assert.Contains(list, s => s.State == "failed" && !s.Counted);
        var retry = await benchmarks.SubmitAsync(participant, benchmark, development, five);
        Assert.StartsWith("The model was refused", retry.Error!.Message); // taken (and refused again), not stopped by the limit

        // Through the API: JSON with a model of the team; a stranger's model is refused by name.
        var (token, _) = await app.Get<ApiTokenService>().CreateAsync(participant, "submit");
        var api = app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var limited = await api.PostAsJsonAsync($"/api/benchmarks/{benchmark}/submissions", new ApiSubmissionRequest(development, five));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);

        // Multipart with a file the upload refuses: a submission refused with the reason (it counts), and nothing stored as a model.
        var other = await app.NewTeamMemberAsync();
        var (otherToken, _) = await app.Get<ApiTokenService>().CreateAsync(other, "junk");
        var junkApi = app.CreateClient();
        junkApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", otherToken);
        using var form = new MultipartFormDataContent { { new StringContent(development.ToString(System.Globalization.CultureInfo.InvariantCulture)), "phaseId" },
            { new ByteArrayContent([1, 2, 3, 4, 5, 6, 7, 8]), "file", "junk.onnx" } };
        using var junk = await junkApi.PostAsync($"/api/benchmarks/{benchmark}/submissions", form);
        Assert.Equal(HttpStatusCode.BadRequest, junk.StatusCode);
        Assert.Contains("this counts as a submission", await junk.Content.ReadAsStringAsync());
        var (junkList, junkLimits) = await benchmarks.SubmissionsAsync(other, development);
        Assert.Equal(1, junkLimits.UsedToday);
        Assert.StartsWith("The model file was refused at upload: ", Assert.Single(junkList).Refusal);
        Assert.Empty(await benchmarks.SubmittableModelsAsync(other));
        Assert.Contains("Limit: your team", await limited.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_phase_shown_at_its_close_hides_the_board_scores_and_labels_until_then()
    {
        var (_, hostActor, benchmark, _, final) = await HiddenBenchmarkAsync();
        var participant = await app.NewTeamMemberAsync();
        var (_, runId) = await SubmitAndWaitAsync(participant, benchmark, final, await UploadDemoModelAsync(participant));
        var benchmarks = app.Get<BenchmarkService>();

        var hidden = (await benchmarks.BoardAsync(participant, benchmark, final))!;
        Assert.NotNull(hidden.HiddenUntil);
        Assert.Empty(hidden.Rows);
        Assert.Single((await benchmarks.BoardAsync(hostActor, benchmark, final))!.Rows);
        var run = (await app.Get<RunService>().GetAsync(participant, runId))!;
        Assert.Null(run.ResultJson);
        Assert.Null(run.RunningMetrics);
        var page = await app.Get<ImageBrowserService>().QueryAsync(participant, runId, new ImageQuery { ClassIndex = 0 });
        Assert.False(page!.Shown.Labels);
        Assert.Empty(page.ClassNames);
        Assert.Equal(run.ImagesTotal, page.Total); // the class filter is ignored
        Assert.All(page.Rows, r => { Assert.Equal($"image {r.Index + 1}", r.ImageId); Assert.Equal("", r.TrueLabel); });
        var detail = (await app.Get<ImageBrowserService>().DetailAsync(participant, runId, 0))!;
        Assert.Equal("image 1", detail.ImageId);
        Assert.DoesNotContain(detail.TopClasses, c => c.IsTrue);
        // Without labels the images come in a keyed shuffle, not in split order (which groups CUB's classes): position p
        // is the stored image shuffled[p], the same one the host sees at that index, with the same boxes.
        List<int> indices;
        await using (var db = await app.Db.CreateDbContextAsync())
        {
            indices = await db.RunImages.Where(i => i.RunId == runId).Select(i => i.Index).ToListAsync();
        }
        var shuffled = app.Get<ImageOrder>().Shuffle(runId, indices);
        Assert.NotEqual(indices.Order(), shuffled);
        foreach (int position in new[] { 0, 1, shuffled.Length - 1 })
        {
            var seen = (await app.Get<ImageBrowserService>().DetailAsync(participant, runId, position))!;
            var host = (await app.Get<ImageBrowserService>().DetailAsync(hostActor, runId, shuffled[position]))!;
            Assert.Equal($"image {position + 1}", seen.ImageId);
            Assert.Equal(host.Methods.Select(m => m.Box), seen.Methods.Select(m => m.Box));
            Assert.Equal(host.PredictedLabel, seen.PredictedLabel);
            Assert.Equal(position > 0 ? position - 1 : null, seen.Previous);
            Assert.Equal(position + 1 < shuffled.Length ? position + 1 : null, seen.Next);
        }
        Assert.Equal(page.Rows.Select(r => r.PredictedLabel).Take(3),
            await Task.WhenAll(shuffled.Take(3).Select(async i => (await app.Get<ImageBrowserService>().DetailAsync(hostActor, runId, i))!.PredictedLabel)));
        Assert.Null(await app.Get<ImageBrowserService>().DetailAsync(participant, runId, shuffled.Length));
        var photo = await (await app.SignedInClientAsync(participant)).GetByteArrayAsync($"/runs/{runId}/images/1/photo.jpg");
        Assert.Equal(await app.Get<ImageRenderer>().GetAsync(runId, shuffled[1], "photo", hostView: false, CancellationToken.None), photo);
        // While such a run is not finished, no image is listed: the batches in which images arrive follow the split order.
        await SetStatusAsync(runId, RunStatus.Running);
        var waiting = (await app.Get<ImageBrowserService>().QueryAsync(participant, runId, new ImageQuery()))!;
        Assert.True(waiting.AfterTheRun);
        Assert.Empty(waiting.Rows);
        Assert.Null(await app.Get<ImageBrowserService>().DetailAsync(participant, runId, 0));
        Assert.Equal(HttpStatusCode.NotFound, (await (await app.SignedInClientAsync(participant)).GetAsync($"/runs/{runId}/images/1/photo.jpg")).StatusCode);
        Assert.NotNull(await app.Get<ImageBrowserService>().DetailAsync(hostActor, runId, 0));
        await SetStatusAsync(runId, RunStatus.Succeeded);
        var api = await app.SignedInClientAsync(participant);
        using var json = await api.GetAsync($"/runs/{runId}/result.json");
        Assert.Equal(HttpStatusCode.Conflict, json.StatusCode);
        Assert.Contains("hidden until its benchmark phase closes", await json.Content.ReadAsStringAsync());

        // The phase closes: the board and the scores show; labels stay withheld.
        await using (var db = await app.Db.CreateDbContextAsync())
        {
            var past = DateTimeOffset.UtcNow.AddSeconds(-1);
            var phase = await db.BenchmarkPhases.FirstAsync(p => p.Id == final);
            phase.Closes = past;
            (await db.Runs.FirstAsync(r => r.Id == runId)).ScoresHiddenUntil = past;
            await db.SaveChangesAsync();
        }
        var shown = (await benchmarks.BoardAsync(participant, benchmark, final))!;
        Assert.Null(shown.HiddenUntil);
        Assert.Single(shown.Rows);
        Assert.NotNull(RunService.Result((await app.Get<RunService>().GetAsync(participant, runId))!));
        Assert.Contains("closed", await (await app.SignedInClientAsync(participant)).GetStringAsync($"/benchmarks/{benchmark}"));
    }

    [Fact]
    public async Task Each_team_stands_with_its_entry_by_the_rule_ranked_with_intervals_ties_and_what_reproduces_it()
    {
        var (_, _, benchmark, development, final) = await HiddenBenchmarkAsync();
        var one = await app.NewTeamMemberAsync();
        var two = await app.NewTeamMemberAsync();
        int model = await UploadDemoModelAsync(one);
        var (first, _) = await SubmitAndWaitAsync(one, benchmark, development, model);
        var (again, _) = await SubmitAndWaitAsync(one, benchmark, development, model);
        var (theirs, _) = await SubmitAndWaitAsync(two, benchmark, development, await UploadDemoModelAsync(two));
        var benchmarks = app.Get<BenchmarkService>();

        var board = (await benchmarks.BoardAsync(two, benchmark, development))!;
        Assert.Equal(2, board.Rows.Count); // one row per team (rule: best; equal scores, the earlier entry)
        var oneTeam = "team " + (await app.EmailOfAsync(one)).Split('@')[0];
        Assert.Equal(first, board.Rows.Single(r => r.Row.Team == oneTeam).SubmissionId);
        Assert.Contains(board.Rows, r => r.SubmissionId == theirs);
        Assert.All(board.Rows, r => Assert.True(r.Row.TiedAtTop)); // the same weights: not distinguishable
        Assert.Equal(board.Rows[0].Row.Score, board.Rows[1].Row.Score);
        var repro = board.Rows[0].Reproduction;
        await using (var db = await app.Db.CreateDbContextAsync())
        {
            Assert.Equal((await db.Models.FirstAsync(m => m.Id == model)).Sha256, repro.ModelSha256);
        }
        Assert.Equal("FP32", repro.Precision);
        Assert.Matches(@"^\d+\.\d+\.\d+", repro.EngineVersion);
        Assert.Contains("step 0.01", repro.Settings);
        Assert.Contains("cpu", repro.Provider, StringComparison.OrdinalIgnoreCase);
        // Any two rows against each other: the same weights, so no difference at all.
        var (pair, pairError) = await benchmarks.PairAsync(two, benchmark, development, first, theirs);
        Assert.Null(pairError);
        Assert.Equal((0.0, 1.0), (pair!.Difference, pair.P));
        Assert.Equal("McNemar exact", pair.Test);
        Assert.StartsWith("Choose two different entries of the board", (await benchmarks.PairAsync(two, benchmark, development, first, again)).Error!.Message);
        Assert.StartsWith("The board of this phase is shown when it closes", (await benchmarks.PairAsync(two, benchmark, final, first, theirs)).Error!.Message);
        var entry = await (await app.SignedInClientAsync(two)).GetStringAsync($"/benchmarks/{benchmark}/entries/{first}");
        Assert.Contains(repro.ModelSha256, entry);

        // Rule "last" (the final phase, seen by its host once shown): the team's latest entry stands.
        Assert.NotEqual(first, again);
        var api = app.CreateClient();
        var (token, _) = await app.Get<ApiTokenService>().CreateAsync(two, "board");
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var doc = JsonDocument.Parse(await api.GetStringAsync($"/api/benchmarks/{benchmark}/leaderboard?phase={development}"));
        Assert.Equal(2, doc.RootElement.GetProperty("rows").GetArrayLength());
        Assert.Equal(repro.ModelSha256, doc.RootElement.GetProperty("rows")[0].GetProperty("reproduction").GetProperty("modelSha256").GetString());
        using var pairJson = JsonDocument.Parse(await api.GetStringAsync($"/api/benchmarks/{benchmark}/compare?phase={development}&a={first}&b={theirs}"));
        Assert.Equal(0.0, pairJson.RootElement.GetProperty("aMinusB").GetProperty("difference").GetDouble());
        using var hiddenBoard = JsonDocument.Parse(await api.GetStringAsync($"/api/benchmarks/{benchmark}/leaderboard?phase={final}"));
        Assert.Equal(JsonValueKind.String, hiddenBoard.RootElement.GetProperty("hiddenUntil").ValueKind);
        var csv = await (await app.SignedInClientAsync(two)).GetStringAsync($"/benchmarks/{benchmark}/phases/{development}/leaderboard.csv");
        Assert.Contains(",model_sha256,engine_version,provider,precision", csv.Split('\n')[0]);
        Assert.Equal(3, csv.TrimEnd('\n').Split('\n').Length);
    }

    [Fact]
    public async Task The_last_rule_keeps_a_teams_latest_entry()
    {
        var (_, hostActor, benchmark, _, final) = await HiddenBenchmarkAsync();
        var team = await app.NewTeamMemberAsync();
        int model = await UploadDemoModelAsync(team);
        await SubmitAndWaitAsync(team, benchmark, final, model);
        var (latest, _) = await SubmitAndWaitAsync(team, benchmark, final, model);
        var row = Assert.Single((await app.Get<BenchmarkService>().BoardAsync(hostActor, benchmark, final))!.Rows);
        Assert.Equal(latest, row.SubmissionId);
    }

    [Fact]
    public async Task Creating_a_benchmark_needs_the_host_role_and_names_the_field_that_is_wrong()
    {
        var host = await app.TeamWithPrivateItemsAsync();
        var benchmarks = app.Get<BenchmarkService>();
        var now = DateTimeOffset.UtcNow;
        var request = new BenchmarkRequest
        {
            Title = "T", DatasetId = host.Dataset,
            Phases = [new PhaseRequest { Name = "One", Opens = now, Closes = now.AddDays(1) }],
        };
        var refused = await benchmarks.CreateAsync(host.A, request);
        Assert.Equal(ErrorKind.Forbidden, refused.Error!.Kind);
        await app.Get<SiteRoleService>().SetFromCommandLineAsync(await app.EmailOfAsync(host.A), SiteRole.Host, true);
        var actor = await app.ActorAsync(host.A.UserId!);

        async Task<string> Problem(Action<BenchmarkRequest> change)
        {
            var r = new BenchmarkRequest { Title = "T", DatasetId = host.Dataset, Phases = [new PhaseRequest { Name = "One", Opens = now, Closes = now.AddDays(1) }] };
            change(r);
            return (await benchmarks.CreateAsync(actor, r)).Error!.Message;
        }
        Assert.Equal("title: give a title of 1 to 200 characters.", await Problem(r => r.Title = " "));
        Assert.Equal("rankingMetric: 'iou' is not one of top1loc, gtknownloc, maxboxacc, maxboxaccv2, top1cls, pxap.", await Problem(r => r.RankingMetric = "iou"));
        Assert.Equal("rankingMetric: PxAP needs a dataset with mask ground truth.", await Problem(r => r.RankingMetric = "pxap"));
        Assert.StartsWith("phases[0].closes: ", await Problem(r => r.Phases[0].Closes = now.AddDays(-1)));
        Assert.Equal("phases[0].subset: [40, 40) must satisfy 0 <= from < to <= 100.", await Problem(r => (r.Phases[0].SubsetFrom, r.Phases[0].SubsetTo) = (40, 40)));
        Assert.Equal("phases[0].visibility: 'later' is not 'public' or 'after-close'.", await Problem(r => r.Phases[0].Visibility = "later"));
        Assert.Equal("phases[0].dailyLimit: 30 must be between 1 and the total limit 20.", await Problem(r => r.Phases[0].DailyLimit = 30));
        Assert.Equal("phases: give 1 to 10 phases (got 0).", await Problem(r => r.Phases.Clear()));
        Assert.Equal("Unknown split 'dev': expected test, train, val or all.", await Problem(r => r.Split = "dev"));
        Assert.StartsWith("phases[0].subset: no image of the val split", await Problem(r => r.Split = "val"));
        var demo = await app.DemoRunAsync();
        Assert.Equal("datasetId: choose a dataset of one of your teams.", await Problem(r => r.DatasetId = demo.DatasetId));
        // A published run on the dataset would let anyone compare per-image results: hidden ground truth waits for it to be unpublished.
        await app.Get<RunService>().PublishAsync(actor, host.Run, true);
        Assert.Equal($"datasetId: 1 run(s) on 'A's data' are published to its leaderboard (per-image results can be compared there); unpublish them first.", await Problem(_ => { }));
        await app.Get<RunService>().PublishAsync(actor, host.Run, false);
        var (id, error) = await benchmarks.CreateAsync(actor, request);
        Assert.Null(error);
        Assert.Contains("hidden ground truth", (await app.Get<RunService>().PublishAsync(actor, host.Run, true))!.Message);
        Assert.Equal("T", (await benchmarks.GetAsync(Actor.Anonymous, id!.Value))!.Benchmark.Title);
    }

    [Fact]
    public async Task The_demo_is_a_benchmark_of_the_Baselines_with_the_demo_run_as_its_first_entry()
    {
        var demo = await app.DemoRunAsync();
        var benchmarks = app.Get<BenchmarkService>();
        var summary = (await benchmarks.ListAsync()).Single(b => b.HostTeam == "Baselines");
        Assert.False(summary.HiddenGroundTruth);
        Assert.Equal("Open", summary.OpenPhase);
        var view = (await benchmarks.GetAsync(Actor.Anonymous, summary.Id))!;
        var board = (await benchmarks.BoardAsync(Actor.Anonymous, summary.Id, view.Phases[0].Phase.Id))!;
        Assert.Contains(board.Rows, r => r.Row.RunId == demo.Id && r.Row.IsBaseline);
        Assert.Contains("<strong>head mark</strong>", view.DescriptionHtml);
        Assert.Contains("Demo finches", await app.CreateClient().GetStringAsync("/benchmarks"));
    }

    [Theory]
    [InlineData("<script>alert(1)</script>**bold**", "<strong>bold</strong>", "<script")]
    [InlineData("[x](javascript:alert(1))", "x", "javascript:")]
    [InlineData("<img src=x onerror=alert(1)>", "&lt;img", "<img")] // raw HTML is shown as text
    [InlineData("# Task\n\n| a | b |\n|---|---|\n| 1 | 2 |", "<table>", "<script")]
    public void A_description_is_rendered_from_markdown_without_scripts_or_handlers(string markdown, string contains, string absent)
    {
        var html = BenchmarkMarkdown.ToSafeHtml(markdown);
        Assert.Contains(contains, html);
        Assert.DoesNotContain(absent, html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Around_a_hidden_dataset_no_other_door_opens_runs_of_other_teams_share_links_cancels_or_a_benchmark_of_the_other_kind()
    {
        var host = await app.TeamWithPrivateItemsAsync();
        var shares = app.Get<ShareService>();
        var (before, _) = await shares.CreateAsync(host.A, host.Run);
        await app.Get<SiteRoleService>().SetFromCommandLineAsync(await app.EmailOfAsync(host.A), SiteRole.Host, true);
        var now = DateTimeOffset.UtcNow;
        var (benchmark, error) = await app.Get<BenchmarkService>().CreateAsync(await app.ActorAsync(host.A.UserId!), new BenchmarkRequest
        {
            Title = "Closed doors", DatasetId = host.Dataset, Phases = [new PhaseRequest { Name = "Only", Opens = now.AddMinutes(-1), Closes = now.AddDays(1) }],
        });
        Assert.Null(error);

        // The host's earlier share link stops working; no new one is made.
        Assert.Null(await shares.ResolveAsync(before));
        Assert.Equal("The run's dataset is a benchmark's hidden ground truth: a share link would show its boxes to anyone.", (await shares.CreateAsync(host.A, host.Run)).Error);
        // A member of the host team acting for another team cannot run on the dataset directly.
        var (other, _) = await app.Get<InfoCamWeb.Web.Features.Teams.TeamService>().CreateAsync(host.A, "side team " + Guid.NewGuid().ToString("N")[..6]);
        await app.Get<InfoCamWeb.Web.Features.Teams.TeamService>().SetActiveAsync(host.A, other!.Value);
        var side = await app.ActorAsync(host.A.UserId!);
        Assert.Equal(other, side.ActiveTeamId);
        var direct = await app.Get<RunService>().CreateAsync(side, new RunRequest { ModelId = host.Model, DatasetId = host.Dataset });
        Assert.Equal("'A's data' is a benchmark's hidden ground truth: only its own team runs on it directly; others submit to the benchmark.", direct.Error!.Message);
        // A benchmark with public ground truth on the same dataset would show what this one hides.
        var mixed = await app.Get<BenchmarkService>().CreateAsync(side, new BenchmarkRequest
        {
            Title = "Open doors", DatasetId = host.Dataset, HiddenGroundTruth = false, Phases = [new PhaseRequest { Name = "Only", Opens = now, Closes = now.AddDays(1) }],
        });
        Assert.Equal("datasetId: 'A's data' already has a benchmark with hidden ground truth; one dataset's benchmarks all hide it or none does.", mixed.Error!.Message);

        // A submission runs to its end.
        var participant = await app.NewTeamMemberAsync();
        var view = (await app.Get<BenchmarkService>().GetAsync(participant, benchmark!.Value))!;
        var submitted = await app.Get<BenchmarkService>().SubmitAsync(participant, benchmark.Value, view.Phases[0].Phase.Id, await UploadDemoModelAsync(participant));
        Assert.Equal("The run is a benchmark submission: it runs to its end (its entry counts by the phase's rule).", await app.Get<RunService>().CancelAsync(participant, submitted.RunId!.Value));
        await app.WaitForRunAsync(submitted.RunId!.Value);
    }

    [Fact]
    public async Task The_host_edits_a_benchmark_while_what_its_submissions_ran_with_stays_and_their_runs_follow_the_new_terms()
    {
        var (_, hostActor, benchmark, development, final) = await HiddenBenchmarkAsync();
        var participant = await app.NewTeamMemberAsync();
        var (_, runId) = await SubmitAndWaitAsync(participant, benchmark, final, await UploadDemoModelAsync(participant));
        var benchmarks = app.Get<BenchmarkService>();
        Assert.Null(await benchmarks.DraftAsync(participant, benchmark));
        var draft = (await benchmarks.DraftAsync(hostActor, benchmark))!;
        Assert.Equal(new Dictionary<int, int> { [final] = 1 }, draft.SubmissionsByPhase);
        Assert.Equal([development, final], draft.Request.Phases.Select(p => p.Id));
        Assert.Equal(ErrorKind.Forbidden, (await benchmarks.UpdateAsync(participant, benchmark, draft.Request))!.Kind);

        async Task<string?> Problem(Action<BenchmarkRequest> change)
        {
            var request = (await benchmarks.DraftAsync(hostActor, benchmark))!.Request;
            change(request);
            return (await benchmarks.UpdateAsync(hostActor, benchmark, request))?.Message;
        }
        Assert.Equal("split: fixed once the benchmark has submissions (1); it stays 'test'.", await Problem(r => r.Split = "all"));
        Assert.Equal("methods: fixed once the benchmark has submissions (1); it stays 'cam,infocam,infocam+'.", await Problem(r => r.Methods = ["cam"]));
        Assert.StartsWith("hiddenGroundTruth: a benchmark keeps whether its ground truth is hidden (hidden)", await Problem(r => r.HiddenGroundTruth = false));
        Assert.StartsWith("datasetId: a benchmark keeps its dataset ('A's data'", await Problem(r => r.DatasetId++));
        Assert.Equal("phases[1].subset: 'Final' has 1 submission(s) evaluated on buckets [30, 100); its images cannot change.", await Problem(r => r.Phases[1].SubsetFrom = 40));
        Assert.Equal("phases: 'Final' has 1 submission(s) and cannot be removed.", await Problem(r => r.Phases.RemoveAt(1)));
        Assert.Equal("phases[0].id: 999999 is not a phase of this benchmark (leave it out for a new phase).", await Problem(r => r.Phases[0].Id = 999999));
        Assert.Equal($"phases[1].id: phase {development} is listed twice.", await Problem(r => r.Phases[1].Id = development));
        Assert.Equal("title: give a title of 1 to 200 characters.", await Problem(r => r.Title = ""));
        Assert.Equal("Hidden finches", (await benchmarks.GetAsync(hostActor, benchmark))!.Benchmark.Title); // nothing refused was stored

        // Title, limits, the final board made public, a phase added: the submission's run follows (scores and labels shown).
        Assert.Null(await Problem(r =>
        {
            r.Title = "Hidden finches, second edition";
            r.Phases[0].DailyLimit = 5;
            r.Phases[1].Visibility = "public";
            r.Phases.Add(new PhaseRequest { Name = "Extra", Opens = DateTimeOffset.UtcNow, Closes = DateTimeOffset.UtcNow.AddDays(3), SubsetFrom = 0, SubsetTo = 100 });
        }));
        var view = (await benchmarks.GetAsync(hostActor, benchmark))!;
        Assert.Equal("Hidden finches, second edition", view.Benchmark.Title);
        Assert.Equal(["Development", "Final", "Extra"], view.Phases.Select(p => p.Phase.Name));
        Assert.Equal(5, view.Phases[0].Phase.DailyLimit);
        await using (var db = await app.Db.CreateDbContextAsync())
        {
            var run = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == runId);
            Assert.Null(run.ScoresHiddenUntil);
            Assert.Equal(GroundTruthHiding.Annotations, run.Concealment);
        }
        Assert.Null((await benchmarks.BoardAsync(participant, benchmark, final))!.HiddenUntil);
        // What the participant has seen stays seen: the final board cannot become one shown at its close again, and no
        // phase shown at its close may come to share the final's images.
        Assert.Equal("phases[1]: 'Final' has 1 submission(s) whose class labels were shown; its board cannot become one shown at its close (that hides the labels).",
            await Problem(r => r.Phases[1].Visibility = "after-close"));
        Assert.Equal("phases[1]: 'Final' has 1 submission(s) whose class labels were shown; this change would hide them again (its images would be shared with a phase whose board shows at its close).",
            await Problem(r => r.Phases[2].Visibility = "after-close"));

        // A phase without submissions can go; through the API too, for the host only.
        var (hostToken, _) = await app.Get<ApiTokenService>().CreateAsync(hostActor, "edit");
        var api = app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", hostToken);
        var request = (await benchmarks.DraftAsync(hostActor, benchmark))!.Request;
        request.Phases.RemoveAt(0);
        using (var put = await api.PutAsJsonAsync($"/api/benchmarks/{benchmark}", request))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        Assert.Equal(["Final", "Extra"], (await benchmarks.GetAsync(hostActor, benchmark))!.Phases.Select(p => p.Phase.Name));
        var (participantToken, _) = await app.Get<ApiTokenService>().CreateAsync(participant, "edit");
        var other = app.CreateClient();
        other.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", participantToken);
        using (var refused = await other.PutAsJsonAsync($"/api/benchmarks/{benchmark}", request))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        // The edit page: the form for the host (the fixed fields locked), a refusal for anyone else.
        var page = await (await app.SignedInClientAsync(hostActor)).GetStringAsync($"/benchmarks/{benchmark}/edit");
        Assert.Contains("Save changes", page);
        Assert.Contains("id=\"benchmark-run-fixed\"", page);
        Assert.Contains("1 submission(s): its images stay", page);
        Assert.Contains("only they edit a benchmark", await (await app.SignedInClientAsync(participant)).GetStringAsync($"/benchmarks/{benchmark}/edit"));
        Assert.Contains($"/benchmarks/{benchmark}/edit", await (await app.SignedInClientAsync(hostActor)).GetStringAsync($"/benchmarks/{benchmark}"));
    }

    [Fact]
    public void Labels_are_withheld_in_a_phase_that_shares_images_with_one_shown_at_its_close()
    {
        BenchmarkPhase Phase(int from, int to, BoardVisibility visibility) => new() { Name = "p", SubsetFrom = from, SubsetTo = to, Visibility = visibility };
        var development = Phase(0, 30, BoardVisibility.Public);
        var overlapping = Phase(20, 40, BoardVisibility.Public);
        var final = Phase(30, 100, BoardVisibility.AfterClose);
        var benchmark = new Benchmark { Title = "t", HiddenGroundTruth = true, Phases = [development, overlapping, final] };
        foreach (var p in benchmark.Phases) p.Benchmark = benchmark;

        Assert.Equal(GroundTruthHiding.Annotations, BenchmarkService.TermsFor(development).Concealment);
        Assert.Equal(GroundTruthHiding.AnnotationsAndLabels, BenchmarkService.TermsFor(overlapping).Concealment);
        Assert.Equal(GroundTruthHiding.AnnotationsAndLabels, BenchmarkService.TermsFor(final).Concealment);
        Assert.Null(BenchmarkService.TermsFor(development).ScoresHiddenUntil);
        Assert.Equal(final.Closes, BenchmarkService.TermsFor(final).ScoresHiddenUntil);
        benchmark.HiddenGroundTruth = false;
        Assert.Equal(GroundTruthHiding.None, BenchmarkService.TermsFor(final).Concealment);
    }

    private async Task SetStatusAsync(int runId, RunStatus status)
    {
        await using var db = await app.Db.CreateDbContextAsync();
        await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, status));
    }

    /// <summary>Another finished submission of the participant (for a comparison between two of their runs).</summary>
    private async Task<int> SecondRunAsync(Actor participant, int benchmark, int phase)
    {
        var models = await app.Get<BenchmarkService>().SubmittableModelsAsync(participant);
        return (await SubmitAndWaitAsync(participant, benchmark, phase, models[0].Id)).Run;
    }

    private static int GreenPixels(byte[] jpeg)
    {
        using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(jpeg);
        int n = 0;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                foreach (var p in rows.GetRowSpan(y))
                {
                    if (p.G > 170 && p.R < 110 && p.B < 120) n++;
                }
            }
        });
        return n;
    }
}
