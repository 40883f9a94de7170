using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Worker.Presence;

/// <summary>
/// The worker's entry in the Workers table: registered on start, its heartbeat written every
/// <see cref="WorkerIdentity.HeartbeatSeconds"/>, marked stopped on a clean shutdown. The web app shows the table and
/// queues again the run of a worker whose heartbeat stopped.
/// </summary>
public sealed class WorkerPresence(IDbContextFactory<InfoCamDbContext> dbFactory, IOptions<WorkerSettings> settings, ILogger<WorkerPresence> log) : BackgroundService
{
    private WorkerIdentity Me => settings.Value.Worker;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RegisterWhenReadyAsync(stoppingToken);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, Me.HeartbeatSeconds)));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await UpdateAsync(w => w.SetProperty(x => x.LastSeenAt, DateTimeOffset.UtcNow), stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogWarning("Heartbeat not written ({Message}); retrying.", ex.Message);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await UpdateAsync(w => w.SetProperty(x => x.State, WorkerState.Stopped).SetProperty(x => x.RunId, (int?)null), CancellationToken.None);
        }
        catch (Exception ex)
        {
            log.LogWarning("Could not mark the worker stopped: {Message}", ex.Message);
        }
    }

    /// <summary>
    /// A worker may start before the web app has created or migrated the database (several machines start in any
    /// order): registration is retried until the schema is there.
    /// </summary>
    private async Task RegisterWhenReadyAsync(CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await RegisterAsync(ct);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (attempt == 1) log.LogWarning("Waiting for the database (the web app applies its migrations): {Message}", ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(10, attempt)), ct);
            }
        }
    }

    private async Task RegisterAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var record = await db.Workers.FirstOrDefaultAsync(w => w.Name == Me.ResolvedName, ct);
        if (record is null) db.Workers.Add(record = new WorkerRecord { Name = Me.ResolvedName });
        var now = DateTimeOffset.UtcNow;
        (record.Machine, record.Device, record.ProcessId) = (Environment.MachineName, Me.Device, Environment.ProcessId);
        (record.State, record.RunId, record.Shard, record.ImagesPerSecond, record.StartedAt, record.LastSeenAt) = (WorkerState.Idle, null, null, 0, now, now);
        await db.SaveChangesAsync(ct);
        log.LogInformation("Registered as worker '{Name}' for device {Device}.", record.Name, record.Device);
    }

    private async Task UpdateAsync(
        Func<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<WorkerRecord>, Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<WorkerRecord>> set,
        CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Workers.Where(w => w.Name == Me.ResolvedName).ExecuteUpdateAsync(s => set(s), ct);
    }
}
