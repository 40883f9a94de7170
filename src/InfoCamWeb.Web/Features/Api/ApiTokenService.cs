using System.Security.Cryptography;
using System.Text;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Features.Api;

public sealed record ApiTokenView(int Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>Personal access tokens for the API: 256 random bits, shown once, stored as SHA-256.</summary>
public sealed class ApiTokenService(IDbContextFactory<InfoCamDbContext> dbFactory)
{
    public const string Prefix = "icw_";

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public async Task<(string? Token, string? Error)> CreateAsync(Actor actor, string name, CancellationToken ct = default)
    {
        if (!actor.IsSignedIn) return (null, "Sign in to create a token.");
        name = (name ?? "").Trim();
        if (name.Length is < 1 or > 100) return (null, "Give the token a name of 1 to 100 characters.");
        var token = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ApiTokens.Add(new ApiToken { UserId = actor.UserId!, Name = name, TokenHash = Hash(token), Prefix = token[..10], CreatedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync(ct);
        return (token, null);
    }

    public async Task<List<ApiTokenView>> ListAsync(Actor actor, CancellationToken ct = default)
    {
        if (!actor.IsSignedIn) return new();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.UserId == actor.UserId).ToListAsync(ct);
        return tokens.OrderByDescending(t => t.CreatedAt).Select(t => new ApiTokenView(t.Id, t.Name, t.Prefix, t.CreatedAt, t.LastUsedAt, t.RevokedAt)).ToList();
    }

    public async Task<string?> RevokeAsync(Actor actor, int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == id && t.UserId == actor.UserId, ct);
        if (token is null) return "The token does not exist.";
        token.RevokedAt ??= DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(ct);
        return null;
    }

    /// <summary>The user a valid, unrevoked token belongs to (and notes its use), or null.</summary>
    public async Task<string?> UserOfAsync(string token, CancellationToken ct = default)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 100) return null;
        var hash = Hash(token);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var stored = await db.ApiTokens.FirstOrDefaultAsync(t => t.TokenHash == hash && t.RevokedAt == null, ct);
        if (stored is null) return null;
        if (stored.LastUsedAt is null || DateTimeOffset.UtcNow - stored.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            stored.LastUsedAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync(ct);
        }
        return stored.UserId;
    }
}
