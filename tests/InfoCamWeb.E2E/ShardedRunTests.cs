using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.E2E;

/// <summary>Several machines, shown on one: the web app and two worker services on PostgreSQL, one worker killed mid-shard.</summary>
public class ShardedRunTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    [SkippableFact]
    public async Task Two_workers_share_a_run_and_one_killed_mid_shard_leaves_the_single_worker_result_image_for_image()
    {
        Skip.IfNot(PostgresServer.Installed, PostgresServer.SkipReason);
        var (referenceJson, referenceCsv) = await SingleWorkerDemoAsync();

        await postgres.CreateDatabaseAsync("sharded");
        var connection = postgres.ConnectionString("sharded");
        await using var app = await AppProcess.StartAsync(new Dictionary<string, string>
        {
            ["InfoCam__Store"] = "PostgreSQL",
            ["ConnectionStrings__InfoCam"] = connection,
            ["InfoCam__Worker__Enabled"] = "false", // the two workers below take every shard
            ["InfoCam__Worker__LostAfterSeconds"] = "3",
            ["InfoCam__Shards__Size"] = "20",
            ["InfoCam__Demo__RunOnFirstStart"] = "true",
        });
        var settings = new Dictionary<string, string>
        {
            ["InfoCam:Store"] = "PostgreSQL",
            ["InfoCam:DataFolder"] = Path.Combine(app.Root, "data"), // the storage root both "machines" mount
            ["InfoCam:Worker:Device"] = "cpu",
            ["InfoCam:Worker:HeartbeatSeconds"] = "1",
            ["InfoCam:Worker:LostAfterSeconds"] = "3",
        };
        var environment = new Dictionary<string, string> { ["ConnectionStrings__InfoCam"] = connection };
        await using var victim = WorkerProcess.Start("worker-a", settings, environment);
        await using var survivor = WorkerProcess.Start("worker-b", settings, environment);

        await victim.WaitForLineAsync("done:", 1, TimeSpan.FromMinutes(2));
        await victim.WaitForLineAsync(" claimed.", 2, TimeSpan.FromMinutes(1));
        victim.Kill();
        int killedIn = int.Parse(Regex.Match(victim.Lines.Last(l => l.Contains(" claimed.", StringComparison.Ordinal)), @"shard (\d+) claimed").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        await app.WaitForSuccessAsync(1, TimeSpan.FromMinutes(3));

        await using (var db = new InfoCamDbContextFactory(Store.From("PostgreSQL", new InfoCamPaths(app.Root, "x.db", "y.db"), connection)).CreateDbContext())
        {
            var shards = await db.RunShards.AsNoTracking().Where(s => s.RunId == 1).OrderBy(s => s.Index).ToListAsync();
            Assert.Equal(8, shards.Count);
            Assert.All(shards, s => Assert.Equal(ShardState.Done, s.State));
            Assert.Equal(["worker-a", "worker-b"], shards.Select(s => s.WorkerName).Distinct().Order());
            var taken = shards[killedIn];
            Assert.True(taken is { WorkerName: "worker-b", Attempts: 2 }, $"shard {killedIn}: {taken.WorkerName}, {taken.Attempts} starts; the killed worker's shard must be finished by the other");
            Assert.Equal(1, (await db.Runs.AsNoTracking().FirstAsync(r => r.Id == 1)).WorkerEnds);
            Assert.Equal(160, await db.RunImages.CountAsync(i => i.RunId == 1));
        }
        using var http = new HttpClient();
        Assert.Equal(referenceCsv, await http.GetStringAsync(app.Url + "/runs/1/images.csv"));
        Assert.Equal(WithoutSeconds(referenceJson), WithoutSeconds(await http.GetStringAsync(app.Url + "/runs/1/result.json")));
    }

    /// <summary>The demo run as one local worker executes it with the embedded defaults (SQLite, one shard).</summary>
    private static async Task<(string Json, string Csv)> SingleWorkerDemoAsync()
    {
        await using var single = await AppProcess.StartAsync(new Dictionary<string, string> { ["InfoCam__Demo__RunOnFirstStart"] = "true" });
        await single.WaitForSuccessAsync(1, TimeSpan.FromMinutes(3));
        using var http = new HttpClient();
        return (await http.GetStringAsync(single.Url + "/runs/1/result.json"), await http.GetStringAsync(single.Url + "/runs/1/images.csv"));
    }

    private static string WithoutSeconds(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node.Remove("seconds");
        return node.ToJsonString();
    }
}
