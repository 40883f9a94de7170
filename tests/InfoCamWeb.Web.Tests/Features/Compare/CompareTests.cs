using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Web.Features;
using InfoCamWeb.Web.Features.Api;
using InfoCamWeb.Web.Features.Compare;
using InfoCamWeb.Web.Features.Runs;

namespace InfoCamWeb.Web.Tests.Features.Compare;

[Collection(WebAppCollection.Name)]
public class CompareTests(WebAppFixture app)
{
    [Fact]
    public async Task Runs_of_one_split_are_set_side_by_side_with_differences_a_paired_test_classes_and_disagreeing_images()
    {
        var demo = await app.DemoRunAsync();
        var actor = await app.NewTeamMemberAsync();
        var runs = app.Get<RunService>();
        var id = (await runs.CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, Window = 1, CamThreshold = 0.5 })).RunId!.Value;
        await app.WaitForRunAsync(id);

        var (c, error) = await app.Get<CompareService>().CompareAsync(actor, [demo.Id, id], null, null);

        Assert.Null(error);
        Assert.Equal("infocam", c!.Method);
        Assert.Equal(RankingMetric.GtKnownLoc, c.Metric);
        Assert.Equal([demo.Id, id], c.Runs.Select(r => r.RunId));
        var a = c.Runs[0].Result.Methods["infocam"];
        var b = c.Runs[1].Result.Methods["infocam"];
        var gtKnown = c.Metrics.Single(m => m.Metric == "GT-known Loc");
        Assert.Equal([a.GtKnownLoc, b.GtKnownLoc], gtKnown.Values);
        Assert.Equal(b.GtKnownLoc - a.GtKnownLoc, gtKnown.Differences[1]!.Value, 12);
        Assert.Equal(0, gtKnown.Differences[0]);
        var pair = Assert.Single(c.Pairs);
        Assert.Equal(id, pair.RunId);
        Assert.Equal(b.GtKnownLoc - a.GtKnownLoc, pair.Difference, 9);
        Assert.InRange(pair.Difference, pair.Low, pair.High);
        Assert.Equal("McNemar exact", pair.Test);
        Assert.Equal(pair.P < 0.05, pair.Distinguishable);
        // Classes: every class of the demo, the largest spread first.
        Assert.Equal(a.PerClassGtKnownLoc.Count, c.Classes.Count);
        Assert.True(c.Classes.Zip(c.Classes.Skip(1)).All(p => p.First.Spread >= p.Second.Spread));
        var top = c.Classes[0];
        Assert.Equal(Math.Abs(a.PerClassGtKnownLoc[top.Label] - b.PerClassGtKnownLoc[top.Label]), top.Spread, 12);
        // Images: at most 24; those one run hits and the other misses come first.
        Assert.InRange(c.Images.Count, 1, CompareService.DisagreementsShown);
        var split = c.Images.Select(i => i.Hits[0] != i.Hits[1]).ToList();
        Assert.Equal(split.OrderByDescending(s => s), split);
        Assert.All(c.Images, i => Assert.Equal(i.FixedIoUs.Max() - i.FixedIoUs.Min(), i.Spread));
    }

    [Fact]
    public async Task Comparisons_that_cannot_be_made_say_why()
    {
        var demo = await app.DemoRunAsync();
        var actor = await app.NewTeamMemberAsync();
        var runs = app.Get<RunService>();
        var compare = app.Get<CompareService>();
        var allSplit = (await runs.CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, Split = "all" })).RunId!.Value;
        await app.WaitForRunAsync(allSplit);

        Assert.Equal("Compare 2 to 4 different runs (got " + demo.Id + ").", (await compare.CompareAsync(actor, [demo.Id], null, null)).Error!.Message);
        Assert.Equal($"Compare 2 to 4 different runs (got {demo.Id}, {demo.Id}).", (await compare.CompareAsync(actor, [demo.Id, demo.Id], null, null)).Error!.Message);
        var mismatch = (await compare.CompareAsync(actor, [demo.Id, allSplit], null, null)).Error!;
        Assert.Equal(ErrorKind.Invalid, mismatch.Kind);
        Assert.Contains($"Run {allSplit} evaluated", mismatch.Message);
        Assert.EndsWith("only runs of the same dataset, split and protocol can be compared.", mismatch.Message);
        // Another team's unpublished run is as absent as a missing one.
        var stranger = await app.NewTeamMemberAsync();
        var hidden = (await compare.CompareAsync(stranger, [demo.Id, allSplit], null, null)).Error!;
        Assert.Equal(ErrorKind.NotFound, hidden.Kind);
        Assert.Equal($"Run {allSplit} does not exist or is not visible to you.", hidden.Message);
        var sameSplit = (await runs.CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, Methods = ["cam"] })).RunId!.Value;
        await app.WaitForRunAsync(sameSplit);
        var none = (await compare.CompareAsync(actor, [demo.Id, sameSplit], "scorecam", null)).Error!;
        Assert.Equal("The runs share no method 'scorecam': they share cam.", none.Message);
        var (onlyCam, _) = await compare.CompareAsync(actor, [demo.Id, sameSplit], null, null);
        Assert.Equal("cam", onlyCam!.Method);
    }

    [Fact]
    public async Task The_api_returns_the_comparison_and_refuses_a_bad_list_with_a_problem()
    {
        var demo = await app.DemoRunAsync();
        var actor = await app.NewTeamMemberAsync();
        var (token, _) = await app.Get<ApiTokenService>().CreateAsync(actor, "compare");
        var runs = app.Get<RunService>();
        var id = (await runs.CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, CamThreshold = 0.3 })).RunId!.Value;
        await app.WaitForRunAsync(id);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var ok = await client.GetAsync($"/api/compare?runs={demo.Id},{id}&method=cam&metric=top1loc");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using var doc = JsonDocument.Parse(await ok.Content.ReadAsStringAsync());
        Assert.Equal("cam", doc.RootElement.GetProperty("method").GetString());
        Assert.Equal("Top1Loc", doc.RootElement.GetProperty("metric").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("runs").GetArrayLength());
        Assert.Equal(id, doc.RootElement.GetProperty("pairs")[0].GetProperty("runId").GetInt32());

        using var bad = await client.GetAsync("/api/compare?runs=1,x");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("is not a list of run ids", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_page_shows_the_runs_side_by_side_to_a_visitor_who_may_read_them()
    {
        var demo = await app.DemoRunAsync();
        var twin = await app.NewTeamMemberAsync();
        var runs = app.Get<RunService>();
        var id = (await runs.CreateAsync(twin, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, CamThreshold = 0.35 })).RunId!.Value;
        await app.WaitForRunAsync(id);
        var anonymous = app.CreateClient();

        // Unpublished: a signed-out visitor is told the run is not visible, nothing of it is shown.
        var hidden = await anonymous.GetStringAsync($"/compare?runs={demo.Id},{id}");
        Assert.Contains($"Run {id} does not exist or is not visible to you.", hidden);
        Assert.DoesNotContain("compare-metrics", hidden);

        Assert.Null(await runs.PublishAsync(twin, id, true));
        var html = await anonymous.GetStringAsync($"/compare?runs={demo.Id},{id}&method=cam");
        Assert.Contains("id=\"compare-metrics\"", html);
        Assert.Contains($"data-testid=\"pair-{id}\"", html);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(html, "<polyline class=\"curve\"").Count);
        Assert.Contains($"href=\"/runs/{id}/images/", html);
        Assert.Contains("not a list of run numbers", await anonymous.GetStringAsync("/compare?runs=1;2"));
    }
}
