using System.Collections.Concurrent;
using InfoCamWeb.Data;
using InfoCamWeb.Web.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Features.Api;

/// <summary>
/// Per-team upload limits, checked before an upload is read: stored uploads per day (models and datasets together,
/// counted in the database) and upload attempts per hour, refused ones included (counted in memory), so a team cannot
/// keep the server inspecting and extracting hostile files.
/// </summary>
public sealed class UploadQuota(IDbContextFactory<InfoCamDbContext> dbFactory, IOptions<InfoCamOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<int, Queue<DateTimeOffset>> _attempts = new();

    public async Task<ServiceError?> ExceededAsync(int teamId, CancellationToken ct = default)
    {
        var quotas = options.Value.Quotas;
        var now = clock.GetUtcNow();
        var attempts = _attempts.GetOrAdd(teamId, _ => new Queue<DateTimeOffset>());
        lock (attempts)
        {
            while (attempts.Count > 0 && attempts.Peek() <= now.AddHours(-1)) attempts.Dequeue();
            if (attempts.Count >= quotas.UploadAttemptsPerTeamPerHour)
            {
                var retry = attempts.Peek().AddHours(1) - now;
                return ServiceError.Quota($"Quota: your team tried {attempts.Count} uploads in the last hour (at most {quotas.UploadAttemptsPerTeamPerHour}); " +
                       $"try again in {Math.Max(1, (int)Math.Ceiling(retry.TotalMinutes))} min.");
            }
            attempts.Enqueue(now);
        }
        int limit = quotas.UploadsPerTeamPerDay;
        var since = now.AddDays(-1);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var models = await db.Models.Where(m => m.TeamId == teamId).Select(m => m.UploadedAt).ToListAsync(ct);
        var datasets = await db.Datasets.Where(d => d.TeamId == teamId && d.Source == "upload").Select(d => d.CreatedAt).ToListAsync(ct);
        int used = models.Count(t => t > since) + datasets.Count(t => t > since);
        return used >= limit ? ServiceError.Quota($"Quota: your team uploaded {used} models and datasets in the last 24 hours (at most {limit}).") : null;
    }
}
