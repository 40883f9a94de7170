using System.Net;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Features.Datasets;
using InfoCamWeb.Web.Features.Leaderboard;
using InfoCamWeb.Web.Features.Models;
using InfoCamWeb.Web.Features.Runs;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Tests.Features;

[Collection(WebAppCollection.Name)]
public class LeaderboardTests(WebAppFixture app)
{
    [Fact]
    public async Task A_published_run_appears_ranked_with_an_interval_and_the_baseline_is_marked()
    {
        var demo = await app.DemoRunAsync();
        var actor = await app.NewTeamMemberAsync();
        var runs = app.Get<RunService>();
        var id = (await runs.CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, Window = 1 })).RunId!.Value;
        await app.WaitForRunAsync(id);
        var b = await app.NewTeamMemberAsync();
        Assert.NotNull(await runs.PublishAsync(b, id, true));
        Assert.Null(await runs.PublishAsync(actor, id, true));

        var boards = app.Get<LeaderboardService>();
        var key = new BoardKey(demo.DatasetId, "test", "resize224");
        var board = await boards.BoardAsync(key, RankingMetric.GtKnownLoc, "best", allRuns: false);
        var rows = board!.Rows;
        var mine = rows.Single(r => r.RunId == id);
        var baseline = rows.Single(r => r.RunId == demo.Id);
        Assert.True(baseline.IsBaseline);
        Assert.False(mine.IsBaseline);
        Assert.Equal(Enumerable.Range(1, rows.Count), rows.Select(r => r.Rank));
        Assert.True(rows.Zip(rows.Skip(1)).All(p => p.First.Score >= p.Second.Score));
        Assert.InRange(mine.Score, mine.CiLow, mine.CiHigh);
        Assert.True(mine.CiHigh > mine.CiLow);
        // The team B member can now read the published run (and nothing else of the team).
        Assert.NotNull(await runs.GetAsync(b, id));

        var csv = await app.CreateClient().GetStringAsync($"/leaderboards/{demo.DatasetId}/test/resize224.csv?metric=gtknownloc");
        Assert.StartsWith("rank,run,team,baseline,model,method,top1_loc", csv);
        Assert.Contains($",{id},", csv);
        var json = await app.CreateClient().GetStringAsync($"/leaderboards/{demo.DatasetId}/test/resize224.json?metric=gtknownloc");
        Assert.Contains("\"ciLow\"", json);

        Assert.Null(await runs.PublishAsync(actor, id, false));
        var after = await boards.BoardAsync(key, RankingMetric.GtKnownLoc, "best", allRuns: true);
        Assert.DoesNotContain(after!.Rows, r => r.RunId == id);
        Assert.Null(await runs.GetAsync(b, id));
    }

    [Fact]
    public async Task One_row_per_team_shows_its_best_run_and_all_runs_shows_every_run()
    {
        var demo = await app.DemoRunAsync();
        var actor = await app.NewTeamMemberAsync();
        var runs = app.Get<RunService>();
        var ids = new List<int>();
        foreach (var window in new[] { 1, 4 })
        {
            var id = (await runs.CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, Window = window, CamThreshold = 0.3 })).RunId!.Value;
            await app.WaitForRunAsync(id);
            Assert.Null(await runs.PublishAsync(actor, id, true));
            ids.Add(id);
        }
        var key = new BoardKey(demo.DatasetId, "test", "resize224");
        var boards = app.Get<LeaderboardService>();
        var best = (await boards.BoardAsync(key, RankingMetric.MaxBoxAcc, "infocam", false))!.Rows;
        Assert.Single(best, r => ids.Contains(r.RunId));
        var all = (await boards.BoardAsync(key, RankingMetric.MaxBoxAcc, "infocam", true))!.Rows;
        Assert.Equal(2, all.Count(r => ids.Contains(r.RunId)));
        Assert.All(all, r => Assert.Equal("infoCAM", r.Method));
        var kept = best.Single(r => ids.Contains(r.RunId));
        Assert.Equal(all.Where(r => ids.Contains(r.RunId)).Max(r => r.Score), kept.Score);
    }

    [Fact]
    public async Task Every_row_is_compared_with_the_leader_image_by_image_and_rows_within_noise_are_tied_at_the_top()
    {
        var demo = await app.DemoRunAsync();
        var runs = app.Get<RunService>();
        // A second team runs exactly what the baseline ran: the same outcomes, so the same gap to the leader.
        var twin = await app.NewTeamMemberAsync();
        var twinId = (await runs.CreateAsync(twin, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId })).RunId!.Value;
        // A third runs a coarser infoCAM window and a high fixed threshold.
        var other = await app.NewTeamMemberAsync();
        var otherId = (await runs.CreateAsync(other, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, Window = 1, CamThreshold = 0.6 })).RunId!.Value;
        foreach (var (actor, id) in new[] { (twin, twinId), (other, otherId) })
        {
            await app.WaitForRunAsync(id);
            Assert.Null(await runs.PublishAsync(actor, id, true));
        }

        var board = (await app.Get<LeaderboardService>().BoardAsync(new BoardKey(demo.DatasetId, "test", "resize224"), RankingMetric.GtKnownLoc, "infocam", allRuns: true))!;
        var rows = board.Rows;
        Assert.True(rows[0].TiedAtTop);
        Assert.Null(rows[0].VsLeader);
        foreach (var row in rows.Skip(1))
        {
            var gap = row.VsLeader!;
            Assert.Equal(rows[0].Score - row.Score, gap.Difference, 9);
            Assert.InRange(gap.Difference, gap.Low, gap.High);
            Assert.InRange(gap.P, 0, 1);
            Assert.Equal("McNemar exact", gap.Test);
            Assert.Equal(gap.P >= 0.05, row.TiedAtTop);
        }
        var twinRow = rows.Single(r => r.RunId == twinId);
        var baselineRow = rows.Single(r => r.RunId == demo.Id);
        Assert.Equal(baselineRow.Score, twinRow.Score);
        Assert.Equal(baselineRow.TiedAtTop, twinRow.TiedAtTop);
        if (twinRow.Rank > 1 && baselineRow.Rank > 1)
        {
            Assert.Equal(baselineRow.VsLeader, twinRow.VsLeader);
        }
        else
        {
            // One of the two leads: the other is its exact twin, no image differs.
            var follower = twinRow.Rank == 1 ? baselineRow : twinRow;
            Assert.Equal(new LeaderGap(0, 0, 0, 1, "McNemar exact"), follower.VsLeader);
            Assert.True(follower.TiedAtTop);
        }

        var csv = await app.CreateClient().GetStringAsync($"/leaderboards/{demo.DatasetId}/test/resize224.csv?metric=gtknownloc&method=infocam&all=true");
        Assert.Contains(",leader_minus_row,leader_minus_row_ci95_low,leader_minus_row_ci95_high,p_vs_leader,test_vs_leader,tied_at_top,settings\n", csv);
        Assert.Contains(",\"t0 0.2 · step 0.01 · s 4 · CAM, infoCAM, infoCAM+\"\n", csv);
        Assert.Equal("t0 0.6 · step 0.01 · s 1 · CAM, infoCAM, infoCAM+", rows.Single(r => r.RunId == otherId).Settings);
        var json = await app.CreateClient().GetStringAsync($"/leaderboards/{demo.DatasetId}/test/resize224.json?metric=gtknownloc&method=infocam&all=true");
        Assert.Contains("\"tiedAtTop\": true", json);
        Assert.Contains("\"vsLeader\": {", json);
    }
}
