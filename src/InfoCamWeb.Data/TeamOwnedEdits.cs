using System.Linq.Expressions;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Data;

/// <summary>A model or dataset: named, described, owned by a team.</summary>
public interface ITeamOwned
{
    int Id { get; }
    int TeamId { get; }
    string Name { get; set; }
    string Description { get; set; }
}

/// <summary>Rename and delete for team-owned records, with the ownership check and the messages the UI and API show.</summary>
public static class TeamOwnedEdits
{
    public static async Task<string?> RenameAsync<T>(InfoCamDbContext db, DbSet<T> set, Actor actor, int id, string name, string description,
        string what, CancellationToken ct) where T : class, ITeamOwned
    {
        var record = await set.FirstOrDefaultAsync(x => x.Id == id, ct);
        if (record is null || !AccessRules.CanModify(actor, record.TeamId)) return $"The {what} does not exist or belongs to another team.";
        name = (name ?? "").Trim();
        if (name.Length is < 1 or > 200) return "A name has 1 to 200 characters.";
        record.Name = name;
        record.Description = (description ?? "").Trim();
        await db.SaveChangesAsync(ct);
        return null;
    }

    /// <summary>Deletes the record unless runs use it (their results must stay readable); the caller removes its files.</summary>
    public static async Task<(T? Deleted, string? Error)> DeleteAsync<T>(InfoCamDbContext db, DbSet<T> set, Actor actor, int id,
        Expression<Func<RunRecord, bool>> usedBy, string what, CancellationToken ct) where T : class, ITeamOwned
    {
        var record = await set.FirstOrDefaultAsync(x => x.Id == id, ct);
        if (record is null || !AccessRules.CanModify(actor, record.TeamId)) return (null, $"The {what} does not exist or belongs to another team.");
        if (await db.Runs.AnyAsync(usedBy, ct)) return (null, $"Runs use this {what}; it cannot be deleted.");
        set.Remove(record);
        await db.SaveChangesAsync(ct);
        return (record, null);
    }
}
