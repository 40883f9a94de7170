using InfoCamWeb.Data;
using InfoCamWeb.Web.Features.Admin;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Extensions;

/// <summary>
/// Commands of the web host itself, run instead of the server: <c>grant-role admin|host EMAIL</c> and
/// <c>revoke-role admin|host EMAIL</c>, on the same database as the app (its appsettings.json and environment).
/// </summary>
public static class HostCommands
{
    public const string Usage = "usage: grant-role admin|host EMAIL   or   revoke-role admin|host EMAIL";

    /// <summary>True when <paramref name="args"/> named a command (it ran, and set the exit code); false to start the server.</summary>
    public static async Task<bool> RunHostCommandAsync(this WebApplication app, string[] args)
    {
        if (args.Length == 0 || args[0] is not ("grant-role" or "revoke-role")) return false;
        Environment.ExitCode = await RoleAsync(app.Services, args, Console.Out, Console.Error);
        return true;
    }

    internal static async Task<int> RoleAsync(IServiceProvider services, string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length != 3 || SiteRoleService.ParseRole(args[1]) is not SiteRole role)
        {
            await error.WriteLineAsync(args.Length >= 2 && SiteRoleService.ParseRole(args[1]) is null ? $"Unknown role '{args[1]}': admin or host.\n{Usage}" : Usage);
            return 2;
        }
        bool grant = args[0] == "grant-role";
        await Database.MigrateAsync(services.GetRequiredService<IDbContextFactory<InfoCamDbContext>>());
        var failure = await services.GetRequiredService<SiteRoleService>().SetFromCommandLineAsync(args[2], role, grant);
        if (failure is not null)
        {
            await error.WriteLineAsync(failure);
            return 1;
        }
        await output.WriteLineAsync($"{(grant ? "Granted" : "Revoked")} {args[1].ToLowerInvariant()} {(grant ? "to" : "from")} {args[2].Trim()}.");
        return 0;
    }
}
