using System.Security.Cryptography;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Features.Teams;

public sealed record TeamView(int Id, string Name, bool IsBuiltIn, TeamRole Role, string? InviteCode, IReadOnlyList<MemberView> Members);

public sealed record TeamChoice(int Id, string Name);

public sealed record AccountBarView(string Name, IReadOnlyList<TeamChoice> Teams);

public sealed record MemberView(string UserId, string Name, string Email, TeamRole Role);

/// <summary>Teams: create, invite by code, join, leave, remove a member (owner only), choose the team one acts for.</summary>
public sealed class TeamService(IDbContextFactory<InfoCamDbContext> dbFactory)
{
    public const string BaselinesName = "Baselines";

    public static string NewInviteCode() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>The built-in team that owns the demo model, dataset and runs (visible to everyone).</summary>
    public async Task<Team> EnsureBaselinesAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var team = await db.Teams.FirstOrDefaultAsync(t => t.IsBuiltIn, ct);
        if (team is null)
        {
            team = new Team { Name = BaselinesName, InviteCode = NewInviteCode(), IsBuiltIn = true, CreatedAt = DateTimeOffset.UtcNow };
            db.Teams.Add(team);
            await db.SaveChangesAsync(ct);
        }
        return team;
    }

    public async Task<List<TeamView>> MineAsync(Actor actor, CancellationToken ct = default)
    {
        if (!actor.IsSignedIn) return new();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var teams = await db.Teams.AsNoTracking().Include(t => t.Members).ThenInclude(m => m.User)
            .Where(t => t.Members.Any(m => m.UserId == actor.UserId)).ToListAsync(ct);
        return teams.OrderBy(t => t.Name).Select(t =>
        {
            var role = t.Members.First(m => m.UserId == actor.UserId).Role;
            return new TeamView(t.Id, t.Name, t.IsBuiltIn, role, role == TeamRole.Owner ? t.InviteCode : null,
                t.Members.OrderBy(m => m.User?.DisplayName).Select(m => new MemberView(m.UserId, m.User?.DisplayName ?? "", m.User?.Email ?? "", m.Role)).ToList());
        }).ToList();
    }

    /// <summary>What the top bar shows a signed-in user: their name and the teams they can act for (one query each).</summary>
    public async Task<AccountBarView> AccountBarAsync(Actor actor, CancellationToken ct = default)
    {
        if (!actor.IsSignedIn) return new("", []);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var name = await db.Users.AsNoTracking().Where(u => u.Id == actor.UserId).Select(u => u.DisplayName).FirstOrDefaultAsync(ct) ?? "";
        var teams = await db.Teams.AsNoTracking().Where(t => t.Members.Any(m => m.UserId == actor.UserId))
            .OrderBy(t => t.Name).Select(t => new TeamChoice(t.Id, t.Name)).ToListAsync(ct);
        return new(name, teams);
    }

    public async Task<(int? TeamId, string? Error)> CreateAsync(Actor actor, string name, CancellationToken ct = default)
    {
        try
        {
            return await CreateCoreAsync(actor, name, ct);
        }
        catch (Exception ex) when (InfoCamDbContext.IsBusy(ex))
        {
            return (null, InfoCamDbContext.BusyMessage);
        }
    }

    private async Task<(int? TeamId, string? Error)> CreateCoreAsync(Actor actor, string name, CancellationToken ct)
    {
        if (!actor.IsSignedIn) return (null, "Sign in to create a team.");
        name = (name ?? "").Trim();
        if (name.Length is < 2 or > 100) return (null, "A team name has 2 to 100 characters.");
        if (name.Any(char.IsControl)) return (null, "A team name cannot contain control characters.");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Teams.AnyAsync(t => t.Name == name, ct)) return (null, $"A team named '{name}' exists already.");
        var team = new Team { Name = name, InviteCode = NewInviteCode(), CreatedAt = DateTimeOffset.UtcNow };
        team.Members.Add(new TeamMember { UserId = actor.UserId!, Role = TeamRole.Owner, JoinedAt = DateTimeOffset.UtcNow });
        db.Teams.Add(team);
        await db.SaveChangesAsync(ct);
        await SetActiveAsync(actor with { TeamIds = new HashSet<int>(actor.TeamIds) { team.Id } }, team.Id, ct);
        return (team.Id, null);
    }

    public async Task<(int? TeamId, string? Error)> JoinAsync(Actor actor, string code, CancellationToken ct = default)
    {
        if (!actor.IsSignedIn) return (null, "Sign in to join a team.");
        code = (code ?? "").Trim().ToLowerInvariant();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var team = code.Length == 24 ? await db.Teams.FirstOrDefaultAsync(t => t.InviteCode == code && !t.IsBuiltIn, ct) : null;
        if (team is null) return (null, "This invite code is not valid (it may have been replaced).");
        if (actor.IsMember(team.Id)) return (team.Id, null);
        db.TeamMembers.Add(new TeamMember { TeamId = team.Id, UserId = actor.UserId!, Role = TeamRole.Member, JoinedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync(ct);
        await SetActiveAsync(actor with { TeamIds = new HashSet<int>(actor.TeamIds) { team.Id } }, team.Id, ct);
        return (team.Id, null);
    }

    public async Task<string?> LeaveAsync(Actor actor, int teamId, CancellationToken ct = default)
    {
        if (!actor.IsMember(teamId)) return "You are not a member of this team.";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var members = await db.TeamMembers.Where(m => m.TeamId == teamId).ToListAsync(ct);
        var me = members.First(m => m.UserId == actor.UserId);
        if (me.Role == TeamRole.Owner && members.Count(m => m.Role == TeamRole.Owner) == 1 && members.Count > 1)
        {
            return "You are the team's only owner; remove the other members first.";
        }
        db.TeamMembers.Remove(me);
        await db.SaveChangesAsync(ct);
        return null;
    }

    public async Task<string?> RemoveMemberAsync(Actor actor, int teamId, string userId, CancellationToken ct = default)
    {
        if (!actor.OwnedTeamIds.Contains(teamId)) return "Only the team's owner can remove members.";
        if (userId == actor.UserId) return "Use 'Leave' to leave a team.";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var member = await db.TeamMembers.FirstOrDefaultAsync(m => m.TeamId == teamId && m.UserId == userId, ct);
        if (member is null) return "This person is not a member.";
        db.TeamMembers.Remove(member);
        await db.SaveChangesAsync(ct);
        return null;
    }

    public async Task<string?> NewInviteCodeAsync(Actor actor, int teamId, CancellationToken ct = default)
    {
        if (!actor.OwnedTeamIds.Contains(teamId)) return "Only the team's owner can replace the invite code.";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var team = await db.Teams.FirstAsync(t => t.Id == teamId, ct);
        team.InviteCode = NewInviteCode();
        await db.SaveChangesAsync(ct);
        return null;
    }

    public async Task<string?> SetActiveAsync(Actor actor, int teamId, CancellationToken ct = default)
    {
        if (!actor.IsMember(teamId)) return "You are not a member of this team.";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await db.Users.FirstAsync(u => u.Id == actor.UserId, ct);
        user.ActiveTeamId = teamId;
        await db.SaveChangesAsync(ct);
        return null;
    }

    public async Task<string?> TeamNameAsync(int? teamId, CancellationToken ct = default)
    {
        if (teamId is null) return null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Teams.Where(t => t.Id == teamId).Select(t => t.Name).FirstOrDefaultAsync(ct);
    }
}
