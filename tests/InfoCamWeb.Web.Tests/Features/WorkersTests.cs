using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Extensions;
using InfoCamWeb.Web.Features.Api;
using InfoCamWeb.Web.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Tests.Features;

/// <summary>Workers register with a heartbeat, are listed on a page and the API, and a lost worker's run resumes elsewhere.</summary>
[Collection(WebAppCollection.Name)]
public class WorkersTests(WebAppFixture app)
{
    private string LocalName => app.Get<IOptions<InfoCamOptions>>().Value.Worker.LocalWorkerName;

    [Fact]
    public async Task The_local_worker_registers_itself_and_is_listed_on_the_workers_page_and_the_api()
    {
        await app.DemoRunAsync();
        var actor = await app.NewTeamMemberAsync();
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await app.Get<ApiTokenService>().CreateAsync(actor, "w")).Token);
        ApiWorker? local = null;
        for (int i = 0; i < 100 && local is null; i++)
        {
            local = (await client.GetFromJsonAsync<List<ApiWorker>>("/api/workers"))!.SingleOrDefault(w => w.Name == LocalName);
            if (local is null) await Task.Delay(100);
        }
        Assert.NotNull(local);
        Assert.Equal("cpu", local.Device);
        Assert.Contains(local.State, new[] { "idle", "busy" });
        Assert.Equal(Environment.MachineName, local.Machine);
        Assert.InRange(DateTimeOffset.UtcNow - local.LastSeenAt, TimeSpan.Zero, TimeSpan.FromSeconds(30));
        Assert.StartsWith("CPU", local.Provider); // the demo run told which provider it used

        var page = await app.CreateClient().GetStringAsync("/workers");
        Assert.Contains(LocalName, page);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync("/api/workers")).StatusCode);
    }

    [Fact]
    public async Task The_shard_of_a_lost_worker_is_queued_again_and_resumes_on_another_worker_to_the_same_result()
    {
        var demo = await app.DemoRunAsync();
        var now = DateTimeOffset.UtcNow;
        int orphan;
        string lostName = "gpu1-cuda0-" + Guid.NewGuid().ToString("N")[..6];
        await using (var db = await app.Db.CreateDbContextAsync())
        {
            // A worker on another machine finished shard 0 of a copy of the demo run, saved 30 images of shard 1, and went silent.
            db.Workers.Add(new WorkerRecord { Name = lostName, Machine = "gpu1", Device = "cpu", State = WorkerState.Busy, StartedAt = now.AddHours(-1), LastSeenAt = now.AddMinutes(-10) });
            var run = new RunRecord
            {
                ModelId = demo.ModelId, DatasetId = demo.DatasetId, TeamId = demo.TeamId, Spec = demo.Spec, Split = demo.Split, Methods = demo.Methods,
                Protocol = demo.Protocol, Device = demo.Device, Status = RunStatus.Running, QueuedAt = now, StartedAt = now,
                HeartbeatAt = now.AddMinutes(-10), ImagesTotal = demo.ImagesTotal, ImagesDone = 70,
            };
            db.Runs.Add(run);
            await db.SaveChangesAsync();
            orphan = run.Id;
            db.RunShards.AddRange(ImageRange.Split(160, WebAppFixture.ShardSize).Select((r, i) => new RunShardRecord
            {
                RunId = orphan, Index = i, Start = r.Start, End = r.End, WorkerName = i < 2 ? lostName : null,
                State = i switch { 0 => ShardState.Done, 1 => ShardState.Running, _ => ShardState.Queued },
                Skipped = i == 0 ? "[]" : null, Provider = i == 0 ? "CPU" : null,
            }));
            var saved = await db.RunImages.AsNoTracking().Where(i => i.RunId == demo.Id).OrderBy(i => i.Index).Take(70).ToListAsync();
            foreach (var image in saved) image.RunId = orphan;
            db.RunImages.AddRange(saved);
            await db.SaveChangesAsync();
        }

        Assert.Equal(1, await app.Get<LostWorkers>().SweepAsync(CancellationToken.None));
        var resumed = await app.WaitForRunAsync(orphan);

        Assert.Equal(RunStatus.Succeeded, resumed.Status);
        Assert.Equal(1, resumed.WorkerEnds);
        var shards = await app.Get<InfoCamWeb.Web.Features.Runs.RunService>().ShardsAsync(orphan);
        Assert.Equal([lostName, LocalName, LocalName, LocalName], shards.Select(s => s.WorkerName));
        Assert.All(shards, s => Assert.Equal(ShardState.Done, s.State));
        var expected = ResultFiles.FromJson(demo.ResultJson!);
        var actual = ResultFiles.FromJson(resumed.ResultJson!);
        Assert.Equal(ResultFiles.ToJson(expected with { Seconds = actual.Seconds, Model = actual.Model }), resumed.ResultJson);
        await using var check = await app.Db.CreateDbContextAsync();
        Assert.Equal(160, await check.RunImages.CountAsync(i => i.RunId == orphan));
        Assert.Equal(0, await app.Get<LostWorkers>().SweepAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_waiting_shard_whose_job_ended_unclaimed_is_queued_again_and_the_run_finishes()
    {
        var demo = await app.DemoRunAsync();
        var queue = app.Get<RunQueue>();
        var now = DateTimeOffset.UtcNow;
        int id;
        await using (var db = await app.Db.CreateDbContextAsync())
        {
            var run = new RunRecord
            {
                ModelId = demo.ModelId, DatasetId = demo.DatasetId, TeamId = demo.TeamId, Spec = demo.Spec, Split = demo.Split, Methods = demo.Methods,
                Protocol = demo.Protocol, Device = demo.Device, Status = RunStatus.Queued, QueuedAt = now, ImagesTotal = demo.ImagesTotal,
            };
            db.Runs.Add(run);
            await db.SaveChangesAsync();
            id = run.Id;
            // Every shard "in the queue", but each job was deleted (as after failed retries): nothing would ever run them.
            db.RunShards.AddRange(ImageRange.Split(160, WebAppFixture.ShardSize).Select((r, i) =>
            {
                var job = queue.EnqueueShard(id, i, "nobody-serves-this-queue");
                queue.DeleteWaiting([new RunShardRecord { RunId = id, Index = i, JobId = job }]);
                return new RunShardRecord { RunId = id, Index = i, Start = r.Start, End = r.End, JobId = job };
            }));
            await db.SaveChangesAsync();
        }
        Assert.Equal("Deleted", queue.StateOf((await app.Get<InfoCamWeb.Web.Features.Runs.RunService>().ShardsAsync(id))[0].JobId!));
        var finished = await app.WaitForRunAsync(id);
        Assert.Equal(RunStatus.Succeeded, finished.Status);
        Assert.Equal(ResultFiles.ToJson(ResultFiles.FromJson(demo.ResultJson!) with { Seconds = ResultFiles.FromJson(finished.ResultJson!).Seconds }), finished.ResultJson);
    }
}
