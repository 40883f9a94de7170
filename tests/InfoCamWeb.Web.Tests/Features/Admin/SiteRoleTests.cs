using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Extensions;
using InfoCamWeb.Web.Features.Admin;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace InfoCamWeb.Web.Tests.Features.Admin;

public sealed class SiteRoleTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "infocam-roles-" + Guid.NewGuid().ToString("N"));
    private readonly IDbContextFactory<InfoCamDbContext> _db;
    private readonly SiteRoleService _roles;

    public SiteRoleTests()
    {
        Directory.CreateDirectory(_folder);
        _db = new InfoCamDbContextFactory(Store.Sqlite(new InfoCamPaths(_folder, Path.Combine(_folder, "a.db"), Path.Combine(_folder, "jobs.db"))));
        Database.MigrateAsync(_db).GetAwaiter().GetResult();
        _roles = new SiteRoleService(_db);
    }

    private async Task<string> AddUserAsync(string name)
    {
        await using var db = await _db.CreateDbContextAsync();
        var user = new AppUser { UserName = $"{name}@example.org", Email = $"{name}@example.org", NormalizedEmail = $"{name}@example.org".ToUpperInvariant(), DisplayName = name };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return user.Id;
    }

    private async Task<Actor> ActorAsync(string id)
    {
        await using var db = await _db.CreateDbContextAsync();
        return await Actor.LoadAsync(db, id);
    }

    [Fact]
    public async Task The_first_account_of_a_fresh_install_is_administrator_and_later_ones_are_not()
    {
        var first = await AddUserAsync("first");
        await _roles.PromoteIfFirstAsync(first);
        var second = await AddUserAsync("second");
        await _roles.PromoteIfFirstAsync(second);

        Assert.True((await ActorAsync(first)).IsAdministrator);
        Assert.False((await ActorAsync(second)).IsAdministrator);
        Assert.False((await ActorAsync(second)).IsHost);
    }

    [Fact]
    public async Task An_administrator_grants_host_others_cannot_and_the_last_administrator_stays()
    {
        var admin = await AddUserAsync("admin");
        await _roles.PromoteIfFirstAsync(admin);
        await AddUserAsync("someone");

        Assert.Equal("Only an administrator can grant or revoke roles.", await _roles.SetAsync(await ActorAsync(await AddUserAsync("other")), "someone@example.org", SiteRole.Host, true));
        Assert.Null(await _roles.UsersAsync(Actor.Anonymous));
        Assert.Null(await _roles.SetAsync(await ActorAsync(admin), "Someone@Example.org ", SiteRole.Host, true));
        Assert.Contains((await _roles.UsersAsync(await ActorAsync(admin)))!, u => u.Email == "someone@example.org" && u.IsHost && !u.IsAdministrator);
        Assert.Equal("admin@example.org is the last administrator; grant the role to someone else first.",
            await _roles.SetAsync(await ActorAsync(admin), "admin@example.org", SiteRole.Administrator, false));
        Assert.Equal("No account has the e-mail address 'nobody@example.org'.", await _roles.SetAsync(await ActorAsync(admin), "nobody@example.org", SiteRole.Host, true));
    }

    [Fact]
    public async Task The_web_hosts_command_line_grants_and_revokes_a_role_and_refuses_bad_arguments()
    {
        var id = await AddUserAsync("cli");
        var services = new ServiceCollection()
            .AddSingleton(_db).AddSingleton(_roles).BuildServiceProvider();
        var output = new StringWriter();
        var error = new StringWriter();

        Assert.Equal(0, await HostCommands.RoleAsync(services, ["grant-role", "host", "cli@example.org"], output, error));
        Assert.Equal("Granted host to cli@example.org.", output.ToString().Trim());
        Assert.True((await ActorAsync(id)).IsHost);
        Assert.Equal(0, await HostCommands.RoleAsync(services, ["revoke-role", "host", "cli@example.org"], output, error));
        Assert.False((await ActorAsync(id)).IsHost);
        Assert.Equal(1, await HostCommands.RoleAsync(services, ["grant-role", "admin", "who@example.org"], output, error));
        Assert.Contains("No account has the e-mail address 'who@example.org'.", error.ToString());
        Assert.Equal(2, await HostCommands.RoleAsync(services, ["grant-role", "king", "cli@example.org"], output, error));
        Assert.Contains("Unknown role 'king': admin or host.", error.ToString());
        Assert.Equal(2, await HostCommands.RoleAsync(services, ["grant-role"], output, error));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
