using InfoCamWeb.Data;
using InfoCamWeb.Web.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Features.Api;

/// <summary>The per-team daily upload quota (models and datasets together), checked before an upload is read.</summary>
public sealed class UploadQuota(IDbContextFactory<InfoCamDbContext> dbFactory, IOptions<InfoCamOptions> options)
{
    public async Task<string?> ExceededAsync(int teamId, CancellationToken ct = default)
    {
        int limit = options.Value.Quotas.UploadsPerTeamPerDay;
        var since = DateTimeOffset.UtcNow.AddDays(-1);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var models = await db.Models.Where(m => m.TeamId == teamId).Select(m => m.UploadedAt).ToListAsync(ct);
        var datasets = await db.Datasets.Where(d => d.TeamId == teamId && d.Source == "upload").Select(d => d.CreatedAt).ToListAsync(ct);
        int used = models.Count(t => t > since) + datasets.Count(t => t > since);
        return used >= limit ? $"Quota: your team uploaded {used} models and datasets in the last 24 hours (at most {limit})." : null;
    }
}
