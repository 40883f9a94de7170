using System.Diagnostics;
using Hangfire;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InfoCamWeb.Cli.Commands;

/// <summary>
/// <c>infocam worker</c>: hosts the Hangfire server that executes queued runs, one at a time for its device, outside the
/// web server process (docs/adr/0003-runs-in-a-worker-process.md). Exits when its parent process is gone.
/// </summary>
internal static class WorkerCommand
{
    public static async Task<int> RunAsync(IEnumerable<string> rawArgs, TextWriter stdout, CancellationToken ct)
    {
        var a = new CliArgs(rawArgs, new HashSet<string>());
        var paths = new InfoCamPaths(a.Required("data"), a.Required("database"), a.Required("jobs"));
        var device = a.Get("device") ?? "cpu";
        int parentPid = a.Int("parent-pid", 0);
        a.EnsureAllUsed();

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Hangfire", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Services.AddSingleton(paths);
        builder.Services.AddDbContextFactory<InfoCamDbContext>(o => InfoCamDbContext.Configure(o, paths.Database));
        builder.Services.AddTransient<RunExecutor>();
        builder.Services.AddTransient<RunJob>();
        builder.Services.AddHangfire(c => c.UseInfoCamStorage(paths));
        builder.Services.AddHangfireServer(o =>
        {
            o.ServerName = $"worker-{device}-{Environment.ProcessId}";
            // Interrupted runs resume before new ones start.
            o.Queues = [Jobs.ResumeQueue(device), device];
            o.WorkerCount = 1;
            o.ShutdownTimeout = TimeSpan.FromSeconds(5);
            o.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
        using var host = builder.Build();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (parentPid > 0)
        {
            _ = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    if (!IsAlive(parentPid))
                    {
                        stop.Cancel();
                        break;
                    }
                    await Task.Delay(1000, CancellationToken.None);
                }
            }, CancellationToken.None);
        }
        stdout.WriteLine($"infocam worker {Environment.ProcessId}: device {device}, database {paths.Database}");
        await host.RunAsync(stop.Token);
        return 0;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
