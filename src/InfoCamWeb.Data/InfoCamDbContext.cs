using InfoCamWeb.Data.Entities;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace InfoCamWeb.Data;

public sealed class InfoCamDbContext(DbContextOptions<InfoCamDbContext> options) : IdentityDbContext<AppUser>(options)
{
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<TeamMember> TeamMembers => Set<TeamMember>();
    public DbSet<ShareLink> ShareLinks => Set<ShareLink>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<ModelRecord> Models => Set<ModelRecord>();
    public DbSet<DatasetRecord> Datasets => Set<DatasetRecord>();
    public DbSet<RunRecord> Runs => Set<RunRecord>();
    public DbSet<RunImageRecord> RunImages => Set<RunImageRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(InfoCamDbContext).Assembly);
        // SQLite cannot order by DateTimeOffset: store it as UTC ticks.
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var p in entity.GetProperties().Where(p => p.ClrType == typeof(DateTimeOffset) || p.ClrType == typeof(DateTimeOffset?)))
            {
                p.SetValueConverter(new Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter());
            }
        }
    }

    /// <summary>Connection string for a SQLite file: shared cache off, a busy timeout so a locked database delays, then fails cleanly.</summary>
    public static string ConnectionString(string path, int busyTimeoutSeconds = 30) =>
        $"Data Source={path};Default Timeout={busyTimeoutSeconds};Pooling=True";

    public static void Configure(DbContextOptionsBuilder builder, string path, int busyTimeoutSeconds = 30) =>
        builder.UseSqlite(ConnectionString(path, busyTimeoutSeconds));

    /// <summary>True for "database is locked/busy" after the busy timeout: the action failed cleanly and changed nothing.</summary>
    public static bool IsBusy(Exception ex) =>
        ex is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 } ||
        (ex is DbUpdateException { InnerException: { } inner } && IsBusy(inner));

    public const string BusyMessage = "The database is busy (another action holds it); nothing was changed. Try again in a moment.";
}

/// <summary>For <c>dotnet ef migrations</c>.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<InfoCamDbContext>
{
    public InfoCamDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<InfoCamDbContext>();
        InfoCamDbContext.Configure(builder, "design-time.db");
        return new InfoCamDbContext(builder.Options);
    }
}
