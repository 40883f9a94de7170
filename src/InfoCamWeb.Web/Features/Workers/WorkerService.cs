using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Features.Workers;

/// <summary>One worker as pages and the API show it; the run and shard are named only when the visitor may see the run.</summary>
public sealed record WorkerView(
    string Name, string Machine, string Device, string? Provider, string State, int? RunId, int? Shard, double ImagesPerSecond,
    DateTimeOffset StartedAt, DateTimeOffset LastSeenAt, bool IsLocal);

/// <summary>The workers that joined the queue, with their state ("lost" when the heartbeat is older than the limit).</summary>
public sealed class WorkerService(IDbContextFactory<InfoCamDbContext> dbFactory, IOptions<InfoCamOptions> options, TimeProvider clock)
{
    public async Task<List<WorkerView>> ListAsync(Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var workers = await db.Workers.AsNoTracking().ToListAsync(ct);
        var runIds = workers.Where(w => w.RunId is not null).Select(w => w.RunId!.Value).ToList();
        var visible = (await db.Runs.AsNoTracking().Where(r => runIds.Contains(r.Id)).Visible(actor).Select(r => r.Id).ToListAsync(ct)).ToHashSet();
        var now = clock.GetUtcNow();
        var o = options.Value.Worker;
        return workers
            .Select(w => new WorkerView(w.Name, w.Machine, w.Device, w.Provider, StateOf(w, now, o),
                w.RunId is int id && visible.Contains(id) ? id : null, w.RunId is int sid && visible.Contains(sid) ? w.Shard : null, w.State == WorkerState.Busy ? w.ImagesPerSecond : 0,
                w.StartedAt, w.LastSeenAt, w.Name == o.LocalWorkerName))
            .OrderBy(w => w.State == "stopped").ThenBy(w => w.Name, StringComparer.Ordinal).ToList();
    }

    private static string StateOf(WorkerRecord w, DateTimeOffset now, WorkerOptions o) =>
        w.IsLost(now, TimeSpan.FromSeconds(Math.Max(1, o.LostAfterSeconds))) ? "lost" : w.State.ToString().ToLowerInvariant();
}
