using Hangfire;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Runs;
using InfoCamWeb.Worker.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Worker;

/// <summary>The <c>InfoCam</c> settings a worker reads: the storage keys every host shares, and who this worker is.</summary>
public sealed class WorkerSettings : StorageSettings
{
    public WorkerIdentity Worker { get; set; } = new();
}

public sealed class WorkerIdentity
{
    /// <summary>This worker's device: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>; it serves the queue of the device's class.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>The device parsed (queue and GPU index); a wrong value stops the worker at start with the reason.</summary>
    public Core.Inference.DeviceSpec DeviceSpec => Core.Inference.DeviceSpec.Parse(Device);

    /// <summary>Shown on the server list; default: the machine name and process id.</summary>
    public string Name { get; set; } = "";

    /// <summary>Set by a supervising web app: the worker stops when that process is gone.</summary>
    public int ParentPid { get; set; }

    /// <summary>How often the worker writes its heartbeat to the Workers table.</summary>
    public int HeartbeatSeconds { get; set; } = 5;

    /// <summary>A worker whose heartbeat is older than this is lost: its run may be claimed by another worker.</summary>
    public int LostAfterSeconds { get; set; } = 60;

    private readonly string _fallbackName = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>The configured name, or machine-device-pid.</summary>
    public string ResolvedName => Name.Length > 0 ? Name : $"{_fallbackName}-{Device}";
}

/// <summary>One registration extension per area, so Program.cs reads like a table of contents.</summary>
public static class WorkerHosting
{
    public static void AddWorkerLogging(this HostApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.AddFilter("Hangfire", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
    }

    public static void AddWorkerSettings(this HostApplicationBuilder builder)
    {
        builder.Services.Configure<WorkerSettings>(builder.Configuration.GetSection("InfoCam"));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<WorkerSettings>>().Value.PathsUnder(builder.Environment.ContentRootPath));
        builder.Services.AddHostedService<ParentWatch>();
    }

    public static void AddWorkerData(this HostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<WorkerSettings>>().Value.StoreFor(sp.GetRequiredService<InfoCamPaths>(),
            builder.Configuration.GetConnectionString(Store.ConnectionStringName)));
        builder.Services.AddSingleton<IDbContextFactory<InfoCamDbContext>>(sp => new InfoCamDbContextFactory(sp.GetRequiredService<Store>()));
    }

    public static void AddWorkerJobs(this HostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RunContexts>();
        builder.Services.AddTransient<ShardExecutor>();
        builder.Services.AddTransient<RunFinalizer>();
        builder.Services.AddTransient<IRunJob, RunJob>();
        builder.Services.AddHangfire((sp, c) => c.UseInfoCamStorage(sp.GetRequiredService<Store>()));
        builder.Services.AddHangfireServer((sp, o) =>
        {
            var me = sp.GetRequiredService<IOptions<WorkerSettings>>().Value.Worker;
            o.ServerName = me.ResolvedName;
            // Interrupted shards resume before new ones start; one shard at a time per worker.
            o.Queues = [Jobs.ResumeQueue(me.DeviceSpec.Queue), me.DeviceSpec.Queue];
            o.WorkerCount = 1;
            o.ShutdownTimeout = TimeSpan.FromSeconds(5);
            o.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
        builder.Services.AddHostedService<StartupBanner>();
        builder.Services.AddHostedService<Presence.WorkerPresence>();
    }
}

/// <summary>Says once, on start, who this worker is and what it serves.</summary>
internal sealed class StartupBanner(IOptions<WorkerSettings> settings, Store store, ILogger<StartupBanner> log) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        log.LogInformation("InfoCamWeb worker {Pid}: device {Device}, database {Database}", Environment.ProcessId, settings.Value.Worker.Device, store.Describe());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

/// <summary>Stops the worker when the web app that started it is gone (a supervised local worker never outlives it).</summary>
internal sealed class ParentWatch(IOptions<WorkerSettings> settings, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int parent = settings.Value.Worker.ParentPid;
        if (parent <= 0) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!IsAlive(parent))
            {
                lifetime.StopApplication();
                return;
            }
            await Task.Delay(1000, stoppingToken);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
