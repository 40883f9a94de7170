using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Features.Admin;

/// <summary>The site roles: <c>admin</c> grants roles, <c>host</c> creates benchmarks.</summary>
public enum SiteRole
{
    Administrator,
    Host,
}

public sealed record SiteUser(string Id, string Email, string Name, bool IsAdministrator, bool IsHost);

/// <summary>
/// Site roles: the first account of a fresh install becomes administrator; administrators grant and revoke the host and
/// administrator roles (the /admin page, or the web host's command line: <c>grant-role host someone@example.org</c>).
/// The last administrator cannot lose the role.
/// </summary>
public sealed class SiteRoleService(IDbContextFactory<InfoCamDbContext> dbFactory)
{
    public static SiteRole? ParseRole(string? text) => text?.ToLowerInvariant() switch
    {
        "admin" or "administrator" => SiteRole.Administrator,
        "host" => SiteRole.Host,
        _ => null,
    };

    /// <summary>Makes <paramref name="userId"/> administrator when it is the only account (a fresh install's first registration).</summary>
    public async Task PromoteIfFirstAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Users.CountAsync(ct) != 1) return;
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.IsAdministrator, true), ct);
    }

    /// <summary>Every account with its roles; administrators only (null for anyone else).</summary>
    public async Task<List<SiteUser>?> UsersAsync(Actor actor, CancellationToken ct = default)
    {
        if (!actor.IsAdministrator) return null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var users = await db.Users.AsNoTracking().Select(u => new SiteUser(u.Id, u.Email ?? "", u.DisplayName, u.IsAdministrator, u.IsHost)).ToListAsync(ct);
        return users.OrderBy(u => u.Email, StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>Grants or revokes a role, as an administrator; the error says why not.</summary>
    public Task<string?> SetAsync(Actor actor, string email, SiteRole role, bool granted, CancellationToken ct = default) =>
        actor.IsAdministrator ? SetCoreAsync(email, role, granted, ct) : Task.FromResult<string?>("Only an administrator can grant or revoke roles.");

    /// <summary>The command line's grant (whoever can run the web host on the server may): no actor check.</summary>
    public Task<string?> SetFromCommandLineAsync(string email, SiteRole role, bool granted, CancellationToken ct = default) => SetCoreAsync(email, role, granted, ct);

    private async Task<string?> SetCoreAsync(string email, SiteRole role, bool granted, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var normalized = email.Trim().ToUpperInvariant();
        var user = await db.Users.FirstOrDefaultAsync(u => u.NormalizedEmail == normalized, ct);
        if (user is null) return $"No account has the e-mail address '{email.Trim()}'.";
        if (role == SiteRole.Administrator && !granted && user.IsAdministrator && await db.Users.CountAsync(u => u.IsAdministrator, ct) == 1)
        {
            return $"{user.Email} is the last administrator; grant the role to someone else first.";
        }
        if (role == SiteRole.Administrator) user.IsAdministrator = granted;
        else user.IsHost = granted;
        await db.SaveChangesAsync(ct);
        return null;
    }
}
