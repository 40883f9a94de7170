using System.Security.Claims;
using InfoCamWeb.Data;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Extensions;

/// <summary>Turns the signed-in principal into an <see cref="Actor"/> (teams read from the database on every call).</summary>
public sealed class ActorProvider(IDbContextFactory<InfoCamDbContext> dbFactory)
{
    public async Task<Actor> GetAsync(ClaimsPrincipal? user, CancellationToken ct = default)
    {
        var id = user?.Identity?.IsAuthenticated == true ? user.FindFirstValue(ClaimTypes.NameIdentifier) : null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await Actor.LoadAsync(db, id, ct);
    }
}
