using System.Diagnostics;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Jobs;

/// <summary>
/// Starts the worker service (<c>InfoCamWeb.Worker</c>) as a child process and restarts it when it dies (a crash of ONNX Runtime ends only the
/// worker, never the web server). The worker is held to a resident-memory cap and, through the run heartbeat, to a
/// stall limit (the hard stop behind <c>RunOptions.Terminate</c>). When it ends abnormally, the run whose shard it was executing is
/// charged with the cause; a run charged <see cref="WorkerOptions.MaxWorkerEnds"/> times is failed with that cause, any
/// other is queued again and the executor resumes it from its last saved batch. Restarts by the operator
/// (<see cref="Kill"/>) are not charged.
/// </summary>
public sealed class WorkerSupervisor(
    IOptions<InfoCamOptions> options, InfoCamPaths paths, Store store, IDbContextFactory<InfoCamDbContext> dbFactory,
    RunQueue queue, ILogger<WorkerSupervisor> log) : BackgroundService
{
    private Process? _process;
    private volatile bool _operatorKill;

    /// <summary>The current worker's process id (0 when none runs).</summary>
    public int ProcessId => _process is { HasExited: false } p ? p.Id : 0;

    public int Starts { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value.Worker;
        if (!o.Enabled)
        {
            log.LogInformation("The worker is disabled (InfoCam:Worker:Enabled = false); runs stay queued.");
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RequeueInterruptedAsync(o, stoppingToken);
                _operatorKill = false;
                using var cwd = paths.NewWorkingFolder("worker");
                using var process = Start(o, cwd.Path);
                _process = process;
                Starts++;
                var end = await ProcessWatch.WaitAsync(process, (long)o.MemoryLimitMb << 20, Timeout.InfiniteTimeSpan, stoppingToken,
                    ct => StalledAsync(o, ct));
                if (end == ProcessEnd.Cancelled) break;
                var cause = end switch
                {
                    ProcessEnd.MemoryCap => $"The worker used more than its memory cap of {o.MemoryLimitMb} MB and was stopped.",
                    ProcessEnd.TimeLimit => $"The run made no progress for {o.StallSeconds} s (the time limit) and its worker was stopped.",
                    _ => $"The worker {ProcessWatch.DescribeExit(process.ExitCode)}.",
                };
                log.LogWarning("Worker (pid {Pid}): {Cause} Restarting.", process.Id, cause);
                if (!_operatorKill)
                {
                    // Over the memory cap or the time limit, it was the run's model that drove the worker there.
                    await ChargeRunningAsync(o, cause, end is ProcessEnd.MemoryCap or ProcessEnd.TimeLimit, stoppingToken);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception ex)
            {
                log.LogError(ex, "Starting the worker failed.");
            }
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, o.RestartDelaySeconds)), stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
        }
        Kill();
    }

    /// <summary>Restarts the worker process as the operator would (the interrupted run resumes and is not charged).</summary>
    public void Kill()
    {
        _operatorKill = true;
        if (_process is { } p)
        {
            ProcessWatch.Kill(p);
        }
    }

    /// <summary>True when a shard the local worker executes has had no heartbeat for longer than the stall limit.</summary>
    private async Task<bool> StalledAsync(WorkerOptions o, CancellationToken ct)
    {
        var limit = DateTimeOffset.UtcNow.AddSeconds(-Math.Max(1, o.StallSeconds));
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var heartbeats = await LocalRunning(db, o).Select(s => s.HeartbeatAt).ToListAsync(ct);
        return heartbeats.Any(h => h is not null && h < limit);
    }

    /// <summary>Charges the run(s) whose shards the dead worker was executing: queued again, or failed with the cause when charged too often.</summary>
    private async Task ChargeRunningAsync(WorkerOptions o, string cause, bool byModel, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        foreach (var group in (await LocalRunning(db, o).ToListAsync(ct)).GroupBy(s => s.RunId))
        {
            var run = await db.Runs.FirstAsync(r => r.Id == group.Key, ct);
            var all = await db.RunShards.Where(s => s.RunId == run.Id).ToListAsync(ct);
            WorkerEnds.Charge(run, group.ToList(), all, cause, "ended", o, queue, log, byModel);
        }
        await db.SaveChangesAsync(ct);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        Kill();
        await base.StopAsync(cancellationToken);
    }

    private Process Start(WorkerOptions o, string workingDirectory)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory, // empty: a model can find none of our files relative to it
        };
        // The worker service, configured entirely on its command line (its working folder holds no settings file).
        foreach (var arg in new[] { o.WorkerAssembly, $"--InfoCam:Store={store.Provider}", $"--InfoCam:DataFolder={paths.DataFolder}", $"--InfoCam:Database={paths.Database}",
                     $"--InfoCam:JobsDatabase={paths.JobsDatabase}", $"--InfoCam:Worker:Device={o.Device}", $"--InfoCam:Worker:Name={o.LocalWorkerName}",
                     $"--InfoCam:Worker:LostAfterSeconds={o.LostAfterSeconds}", $"--InfoCam:Worker:HeartbeatSeconds={o.HeartbeatSeconds}",
                     $"--InfoCam:Worker:ParentPid={Environment.ProcessId}" })
        {
            psi.ArgumentList.Add(arg);
        }
        // The PostgreSQL connection string (it may hold a password) goes by environment, never on the command line.
        if (store.PostgresConnection is { } connection) psi.Environment["ConnectionStrings__" + Store.ConnectionStringName] = connection;
        // Managed heap cap, ONNX Runtime arena cap and per-batch time limit; the resident cap is watched from here.
        foreach (var (key, value) in o.ChildEnvironment(o.BatchTimeoutSeconds))
        {
            psi.Environment[key] = value;
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet could not start the worker.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.LogInformation("worker: {Line}", e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.LogWarning("worker: {Line}", e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        log.LogInformation("Started the worker (pid {Pid}) for device {Device}.", process.Id, o.Device);
        return process;
    }

    /// <summary>Shards of active runs that the local worker executes: workers on other machines answer for their own.</summary>
    private static IQueryable<RunShardRecord> LocalRunning(InfoCamDbContext db, WorkerOptions o) =>
        db.RunShards.Where(s => s.State == ShardState.Running && s.WorkerName == o.LocalWorkerName
            && db.Runs.Any(r => r.Id == s.RunId && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running)));

    /// <summary>At the worker's (re)start: shards it was executing go to the resume queue, ahead of new shards.</summary>
    private async Task RequeueInterruptedAsync(WorkerOptions o, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var interrupted = await LocalRunning(db, o).ToListAsync(ct);
        interrupted.AddRange(await FetchedByLocalWorkerAsync(db, o, ct));
        foreach (var shard in interrupted.OrderBy(s => s.RunId).ThenBy(s => s.Index))
        {
            queue.Requeue(shard, o.Queue);
            log.LogInformation("Run {RunId} shard {Shard} was interrupted; queued again to resume.", shard.RunId, shard.Index);
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Waiting shards whose job the dead worker had taken from the queue but not yet claimed (it died between two
    /// shards): without this they would wait out the job's invisibility timeout while later shards overtake them.
    /// </summary>
    private async Task<List<RunShardRecord>> FetchedByLocalWorkerAsync(InfoCamDbContext db, WorkerOptions o, CancellationToken ct)
    {
        var waiting = await db.RunShards.Where(s => s.State == ShardState.Queued && s.JobId != null
            && db.Runs.Any(r => r.Id == s.RunId && r.Device == o.Queue && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running))).ToListAsync(ct);
        return waiting.Where(s => queue.ProcessingServer(s.JobId!)?.StartsWith(o.LocalWorkerName + ":", StringComparison.OrdinalIgnoreCase) == true).ToList();
    }
}
