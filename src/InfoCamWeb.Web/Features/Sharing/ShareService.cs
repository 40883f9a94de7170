using System.Security.Cryptography;
using System.Text;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Features.Sharing;

public sealed record ShareLinkView(int Id, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>
/// Read-only links to a run: 128 random bits, URL-safe base64; only the SHA-256 of the token is stored, so the database
/// alone cannot rebuild a link. Revoking takes effect on the next request.
/// </summary>
public sealed class ShareService(IDbContextFactory<InfoCamDbContext> dbFactory)
{
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Creates a link for a run of the actor's team; returns the token (shown once) or an error.</summary>
    public async Task<(string? Token, string? Error)> CreateAsync(Actor actor, int runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null || !AccessRules.CanModify(actor, run.TeamId)) return (null, "The run does not exist or belongs to another team.");
        if (run.Status != RunStatus.Succeeded) return (null, "Only a finished run can be shared.");
        if (run.Concealment == GroundTruthHiding.None && await db.Benchmarks.AnyAsync(b => b.DatasetId == run.DatasetId && b.HiddenGroundTruth, ct))
        {
            return (null, "The run's dataset is a benchmark's hidden ground truth: a share link would show its boxes to anyone.");
        }
        var token = NewToken();
        db.ShareLinks.Add(new ShareLink { RunId = runId, TokenHash = Hash(token), CreatedAt = DateTimeOffset.UtcNow, CreatedByUserId = actor.UserId });
        await db.SaveChangesAsync(ct);
        return (token, null);
    }

    public async Task<List<ShareLinkView>> ListAsync(Actor actor, int runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null || !AccessRules.CanModify(actor, run.TeamId)) return new();
        var links = await db.ShareLinks.AsNoTracking().Where(l => l.RunId == runId).ToListAsync(ct);
        return links.OrderByDescending(l => l.CreatedAt).Select(l => new ShareLinkView(l.Id, l.CreatedAt, l.RevokedAt)).ToList();
    }

    public async Task<string?> RevokeAsync(Actor actor, int linkId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var link = await db.ShareLinks.Include(l => l.Run).FirstOrDefaultAsync(l => l.Id == linkId, ct);
        if (link is null || !AccessRules.CanModify(actor, link.Run!.TeamId)) return "The link does not exist or belongs to another team.";
        link.RevokedAt ??= DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(ct);
        return null;
    }

    /// <summary>The run a valid, unrevoked token opens; null for anything else (altered, revoked, unknown).</summary>
    public async Task<RunRecord?> ResolveAsync(string? token, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length != 22 || token.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))) return null;
        var hash = Hash(token);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var link = await db.ShareLinks.AsNoTracking().Include(l => l.Run!).ThenInclude(r => r.Model)
            .Include(l => l.Run!).ThenInclude(r => r.Dataset).Include(l => l.Run!).ThenInclude(r => r.Team)
            .FirstOrDefaultAsync(l => l.TokenHash == hash && l.RevokedAt == null, ct);
        // The link's visitor is nobody in particular: a benchmark submission's hidden ground truth stays hidden.
        return link?.Run is { Status: RunStatus.Succeeded } run ? Benchmarks.GroundTruthPolicy.Apply(null, run) : null;
    }
}
