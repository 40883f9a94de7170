using InfoCamWeb.Data.Entities;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Data;

/// <summary>Who is acting: the signed-in user (or nobody), the teams they belong to and the one they act for.</summary>
public sealed record Actor(string? UserId, IReadOnlySet<int> TeamIds, int? ActiveTeamId, IReadOnlySet<int> OwnedTeamIds)
{
    public static readonly Actor Anonymous = new(null, new HashSet<int>(), null, new HashSet<int>());

    public bool IsSignedIn => UserId is not null;

    public bool IsMember(int teamId) => TeamIds.Contains(teamId);

    /// <summary>Site administrator: grants the host and administrator roles.</summary>
    public bool IsAdministrator { get; init; }

    /// <summary>May create benchmarks.</summary>
    public bool IsHost { get; init; }

    /// <summary>Reads the user's memberships from the database.</summary>
    public static async Task<Actor> LoadAsync(InfoCamDbContext db, string? userId, CancellationToken ct = default)
    {
        if (userId is null) return Anonymous;
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null) return Anonymous;
        var memberships = await db.TeamMembers.AsNoTracking().Where(m => m.UserId == userId).ToListAsync(ct);
        var teams = memberships.Select(m => m.TeamId).ToHashSet();
        var owned = memberships.Where(m => m.Role == TeamRole.Owner).Select(m => m.TeamId).ToHashSet();
        int? active = user.ActiveTeamId is int a && teams.Contains(a) ? a : teams.Count > 0 ? teams.Min() : null;
        return new Actor(userId, teams, active, owned) { IsAdministrator = user.IsAdministrator, IsHost = user.IsHost };
    }
}

/// <summary>
/// Resource-based rules, checked by the services for every action (never only by hiding buttons): a private item is
/// visible to and usable by its team's members only; the built-in Baselines team's items are visible to all.
/// </summary>
public static class AccessRules
{
    public static bool CanRead(Actor actor, int teamId, bool teamIsBuiltIn) => teamIsBuiltIn || actor.IsMember(teamId);

    public static bool CanModify(Actor actor, int teamId) => actor.IsMember(teamId);

    /// <summary>Query filter: items the actor may see.</summary>
    public static IQueryable<ModelRecord> Visible(this IQueryable<ModelRecord> q, Actor a)
    {
        var teams = a.TeamIds.ToList();
        return q.Where(m => m.Team!.IsBuiltIn || teams.Contains(m.TeamId));
    }

    public static IQueryable<DatasetRecord> Visible(this IQueryable<DatasetRecord> q, Actor a)
    {
        var teams = a.TeamIds.ToList();
        return q.Where(d => d.Team!.IsBuiltIn || teams.Contains(d.TeamId));
    }

    /// <summary>Runs the actor may see: their teams', the Baselines', and every run published to a leaderboard.</summary>
    public static IQueryable<RunRecord> Visible(this IQueryable<RunRecord> q, Actor a) => q.Where(RunVisibleTo(a));

    /// <summary>The run rule as an expression, for counts inside projections (a model's runs, a dataset's runs).</summary>
    public static Expression<Func<RunRecord, bool>> RunVisibleTo(Actor a)
    {
        var teams = a.TeamIds.ToList();
        return r => r.Team!.IsBuiltIn || r.Published || teams.Contains(r.TeamId);
    }

    /// <summary>
    /// A run is readable when published, when the actor may read its team's items, or, for a benchmark submission with
    /// hidden ground truth, by the dataset's team (the host; <paramref name="datasetTeamId"/> when known).
    /// </summary>
    public static bool CanReadRun(Actor actor, RunRecord run, bool teamIsBuiltIn, int? datasetTeamId = null) =>
        CanReadRun(actor, new RunAccess(run.TeamId, teamIsBuiltIn, run.Published, run.Concealment, run.ScoresHiddenUntil, datasetTeamId));

    /// <summary>The same rule on the few fields it reads (a query can project a run straight into them).</summary>
    public static bool CanReadRun(Actor actor, RunAccess run) =>
        run.Published || CanRead(actor, run.TeamId, run.TeamIsBuiltIn) ||
        ((run.Concealment != GroundTruthHiding.None || run.ScoresHiddenUntil is not null) && run.DatasetTeamId is int host && actor.IsMember(host));
}

/// <summary>What decides who may read a run: its team, publication, hidden ground truth and the dataset's team.</summary>
public sealed record RunAccess(int TeamId, bool TeamIsBuiltIn, bool Published, GroundTruthHiding Concealment, DateTimeOffset? ScoresHiddenUntil, int? DatasetTeamId);

/// <summary>An action the actor may not take on that item (reported as "not found or not yours": nothing leaks).</summary>
public sealed class AccessDeniedException(string message) : Exception(message);
