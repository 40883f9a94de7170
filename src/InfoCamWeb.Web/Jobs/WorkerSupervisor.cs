using System.Diagnostics;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Jobs;

/// <summary>
/// Starts <c>infocam worker</c> as a child process and restarts it when it dies (a crash of ONNX Runtime ends only the
/// worker, never the web server). After each (re)start, runs left "Running" by a dead worker are queued again; the
/// executor resumes them from their last saved batch.
/// </summary>
public sealed class WorkerSupervisor(
    IOptions<InfoCamOptions> options, InfoCamPaths paths, IDbContextFactory<InfoCamDbContext> dbFactory,
    RunQueue queue, ILogger<WorkerSupervisor> log) : BackgroundService
{
    private Process? _process;

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
        var cli = string.IsNullOrEmpty(o.CliPath) ? Path.Combine(AppContext.BaseDirectory, "infocam.dll") : o.CliPath;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RequeueInterruptedAsync(o.Device, stoppingToken);
                using var process = Start(cli, o.Device);
                _process = process;
                Starts++;
                await process.WaitForExitAsync(stoppingToken);
                log.LogWarning("The worker (pid {Pid}) exited with code {Code}; restarting.", process.Id, process.ExitCode);
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

    /// <summary>Ends the worker process (its supervisor starts a new one). Used by tests and by the hard run-time limit.</summary>
    public void Kill()
    {
        try
        {
            if (_process is { HasExited: false } p)
            {
                p.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        Kill();
        await base.StopAsync(cancellationToken);
    }

    private Process Start(string cli, string device)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = paths.DataFolder,
        };
        foreach (var arg in new[] { cli, "worker", "--data", paths.DataFolder, "--database", paths.Database, "--jobs", paths.JobsDatabase,
                     "--device", device, "--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(arg);
        }
        // Managed heap cap for the worker (ONNX Runtime's native memory has its own arena cap).
        psi.Environment["DOTNET_GCHeapHardLimit"] = "0x200000000";
        var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet could not start the worker.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.LogInformation("worker: {Line}", e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.LogWarning("worker: {Line}", e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        log.LogInformation("Started the worker (pid {Pid}) for device {Device}.", process.Id, device);
        return process;
    }

    private async Task RequeueInterruptedAsync(string device, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var interrupted = await db.Runs.Where(r => r.Status == RunStatus.Running && r.Device == device).ToListAsync(ct);
        foreach (var run in interrupted)
        {
            if (run.JobId is not null)
            {
                queue.Delete(run.JobId);
            }
            run.JobId = queue.Enqueue(run.Id, InfoCamWeb.Data.Jobs.ResumeQueue(device));
            log.LogInformation("Run {RunId} was interrupted; queued again to resume.", run.Id);
        }
        await db.SaveChangesAsync(ct);
    }
}
