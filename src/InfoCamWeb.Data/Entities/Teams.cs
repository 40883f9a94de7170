using Microsoft.AspNetCore.Identity;

namespace InfoCamWeb.Data.Entities;

/// <summary>A signed-in person. <see cref="ActiveTeamId"/> is the team they act for (uploads and runs belong to it).</summary>
public sealed class AppUser : IdentityUser
{
    public string DisplayName { get; set; } = "";
    public int? ActiveTeamId { get; set; }

    /// <summary>Site administrator: grants roles (the first account of a fresh install is one).</summary>
    public bool IsAdministrator { get; set; }

    /// <summary>May create benchmarks (granted by an administrator).</summary>
    public bool IsHost { get; set; }
}

public enum TeamRole
{
    Member = 0,
    Owner = 1,
}

/// <summary>A research team: it owns models, datasets and runs. The built-in "Baselines" team owns the demo.</summary>
public sealed class Team
{
    public int Id { get; set; }
    public required string Name { get; set; }

    /// <summary>Random invite code (joining needs it); changing it invalidates old invites.</summary>
    public required string InviteCode { get; set; }
    public bool IsBuiltIn { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public List<TeamMember> Members { get; set; } = new();
}

public sealed class TeamMember
{
    public int TeamId { get; set; }
    public Team? Team { get; set; }
    public required string UserId { get; set; }
    public AppUser? User { get; set; }
    public TeamRole Role { get; set; }
    public DateTimeOffset JoinedAt { get; set; }
}

/// <summary>A read-only link to a run's result page; only the SHA-256 of its 128-bit token is stored.</summary>
public sealed class ShareLink
{
    public int Id { get; set; }
    public int RunId { get; set; }
    public RunRecord? Run { get; set; }
    public required string TokenHash { get; set; }
    public string? CreatedByUserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>A personal access token for the API; only its hash is stored, the token is shown once.</summary>
public sealed class ApiToken
{
    public int Id { get; set; }
    public required string UserId { get; set; }
    public required string Name { get; set; }
    public required string TokenHash { get; set; }

    /// <summary>The first characters of the token, to recognise it in the list.</summary>
    public required string Prefix { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}
