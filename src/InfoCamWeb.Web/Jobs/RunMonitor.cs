using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Jobs;

/// <summary>
/// Watches the database (the worker writes progress there) and rings <see cref="RunNotifier"/> when a run changes,
/// so open pages refresh without polling on their own.
/// </summary>
internal sealed class RunMonitor(IDbContextFactory<InfoCamDbContext> dbFactory, RunNotifier notifier, ILogger<RunMonitor> log) : BackgroundService
{
    private readonly Dictionary<int, (RunStatus, int, DateTimeOffset?)> _seen = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(stoppingToken);
                var runs = await db.Runs.AsNoTracking()
                    .Where(r => r.Status == RunStatus.Queued || r.Status == RunStatus.Running || _seen.Keys.Contains(r.Id))
                    .Select(r => new { r.Id, r.Status, r.ImagesDone, r.HeartbeatAt })
                    .ToListAsync(stoppingToken);
                foreach (var r in runs)
                {
                    var state = (r.Status, r.ImagesDone, r.HeartbeatAt);
                    if (!_seen.TryGetValue(r.Id, out var old) || old != state)
                    {
                        _seen[r.Id] = state;
                        notifier.Notify(r.Id);
                    }
                    if (r.Status is not (RunStatus.Queued or RunStatus.Running))
                    {
                        _seen.Remove(r.Id);
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogWarning(ex, "Reading run progress failed; retrying.");
            }
            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
        }
    }
}
