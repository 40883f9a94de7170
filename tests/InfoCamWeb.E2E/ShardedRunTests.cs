using System.Text.Json.Nodes;
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
            ["InfoCam__Worker__LostAfterSeconds"] = "6", // well above the victim's freeze below
            ["InfoCam__Shards__Size"] = "5", // 32 shards: the victim has several, each short
            ["InfoCam__Demo__RunOnFirstStart"] = "true",
        });
        var settings = new Dictionary<string, string>
        {
            ["InfoCam:Store"] = "PostgreSQL",
            ["InfoCam:DataFolder"] = Path.Combine(app.Root, "data"), // the storage root both "machines" mount
            ["InfoCam:Worker:Device"] = "cpu",
            ["InfoCam:Worker:HeartbeatSeconds"] = "1",
            ["InfoCam:Worker:LostAfterSeconds"] = "6",
        };
        // The victim's connections carry its name, so the test can see whether a statement of it is still executing.
        var victimEnvironment = new Dictionary<string, string> { ["ConnectionStrings__InfoCam"] = connection + ";Application Name=worker-a" };
        await using var victim = WorkerProcess.Start("worker-a", settings, victimEnvironment);
        await using var survivor = WorkerProcess.Start("worker-b", settings, new Dictionary<string, string> { ["ConnectionStrings__InfoCam"] = connection });

        var factory = new InfoCamDbContextFactory(Store.From("PostgreSQL", new InfoCamPaths(app.Root, "x.db", "y.db"), connection));
        int killedIn = await KillWhileRunningAShardAsync(victim, factory, TimeSpan.FromMinutes(3));
        await app.WaitForSuccessAsync(1, TimeSpan.FromMinutes(3));

        await using (var db = factory.CreateDbContext())
        {
            var shards = await db.RunShards.AsNoTracking().Where(s => s.RunId == 1).OrderBy(s => s.Index).ToListAsync();
            Assert.Equal(32, shards.Count);
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

    /// <summary>
    /// Kills the victim while the database shows it running a shard, after it has finished one: it is frozen (SIGSTOP) when
    /// the database shows both, and killed only when, with none of its statements still executing on the server, the shard
    /// is still its own and running and no worker has been declared lost; otherwise it is let go on. Returns the shard it
    /// was killed in.
    /// </summary>
    private static async Task<int> KillWhileRunningAShardAsync(WorkerProcess victim, InfoCamDbContextFactory factory, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (await VictimRunningShardAsync(victim.Name, factory) is int shard)
            {
                victim.Freeze();
                bool killed = false;
                try
                {
                    killed = await NothingInFlightAsync(victim.Name, factory) && await VictimRunningShardAsync(victim.Name, factory) == shard
                        && await NoWorkerLostAsync(factory);
                    if (killed) victim.Kill();
                }
                finally
                {
                    if (!killed) victim.Thaw();
                }
                if (killed) return shard;
            }
            await Task.Delay(10);
        }
        Assert.Fail($"Worker {victim.Name} was never seen running a shard after finishing one: {string.Join('\n', victim.Lines.TakeLast(20))}");
        return -1;
    }

    /// <summary>Waits up to a second for the frozen worker's statements that reached the server to finish executing.</summary>
    private static async Task<bool> NothingInFlightAsync(string worker, InfoCamDbContextFactory factory)
    {
        for (int i = 0; i < 50; i++)
        {
            await using var db = factory.CreateDbContext();
            var active = await db.Database.SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM pg_stat_activity WHERE application_name = {worker} AND state = 'active'").SingleAsync();
            if (active == 0) return true;
            await Task.Delay(20);
        }
        return false;
    }

    private static async Task<bool> NoWorkerLostAsync(InfoCamDbContextFactory factory)
    {
        await using var db = factory.CreateDbContext();
        return (await db.Runs.AsNoTracking().FirstAsync(r => r.Id == 1)).WorkerEnds == 0;
    }

    /// <summary>The shard the worker is running, when it has already finished another one of run 1.</summary>
    private static async Task<int?> VictimRunningShardAsync(string worker, InfoCamDbContextFactory factory)
    {
        await using var db = factory.CreateDbContext();
        var mine = await db.RunShards.AsNoTracking().Where(s => s.RunId == 1 && s.WorkerName == worker).Select(s => new { s.Index, s.State }).ToListAsync();
        if (!mine.Any(s => s.State == ShardState.Done)) return null;
        return mine.Where(s => s.State == ShardState.Running).Select(s => (int?)s.Index).FirstOrDefault();
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
