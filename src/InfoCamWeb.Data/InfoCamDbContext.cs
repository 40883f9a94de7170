using InfoCamWeb.Data.Entities;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace InfoCamWeb.Data;

/// <summary>
/// The application database. One subclass per provider (<see cref="SqliteInfoCamDbContext"/>,
/// <see cref="PostgresInfoCamDbContext"/>) carries that provider's migrations; code uses this type through
/// <see cref="IDbContextFactory{InfoCamDbContext}"/> (<see cref="InfoCamDbContextFactory"/>) and never sees which.
/// </summary>
public abstract class InfoCamDbContext(DbContextOptions options) : IdentityDbContext<AppUser>(options)
{
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<TeamMember> TeamMembers => Set<TeamMember>();
    public DbSet<ShareLink> ShareLinks => Set<ShareLink>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<ModelRecord> Models => Set<ModelRecord>();
    public DbSet<DatasetRecord> Datasets => Set<DatasetRecord>();
    public DbSet<RunRecord> Runs => Set<RunRecord>();
    public DbSet<RunImageRecord> RunImages => Set<RunImageRecord>();
    public DbSet<RunImageMethodRecord> RunImageMethods => Set<RunImageMethodRecord>();
    public DbSet<RunShardRecord> RunShards => Set<RunShardRecord>();
    public DbSet<WorkerRecord> Workers => Set<WorkerRecord>();
    public DbSet<Benchmark> Benchmarks => Set<Benchmark>();
    public DbSet<BenchmarkPhase> BenchmarkPhases => Set<BenchmarkPhase>();
    public DbSet<Submission> Submissions => Set<Submission>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(InfoCamDbContext).Assembly);
        // SQLite cannot order by DateTimeOffset: store it as UTC ticks (on PostgreSQL too, so both hold the same values).
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

    /// <summary>True for "database is locked/busy" after the busy timeout: the action failed cleanly and changed nothing.</summary>
    public static bool IsBusy(Exception ex) =>
        ex is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 } ||
        (ex is DbUpdateException { InnerException: { } inner } && IsBusy(inner));

    public const string BusyMessage = "The database is busy (another action holds it); nothing was changed. Try again in a moment.";
}

/// <summary>The SQLite database (the embedded default); its migrations are in Migrations/Sqlite.</summary>
public sealed class SqliteInfoCamDbContext(DbContextOptions options) : InfoCamDbContext(options);

/// <summary>The PostgreSQL database (several machines); its migrations are in Migrations/PostgreSql.</summary>
public sealed class PostgresInfoCamDbContext(DbContextOptions options) : InfoCamDbContext(options);

/// <summary>For <c>dotnet ef migrations add X --context SqliteInfoCamDbContext --output-dir Migrations/Sqlite</c>.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteInfoCamDbContext>
{
    public SqliteInfoCamDbContext CreateDbContext(string[] args) =>
        (SqliteInfoCamDbContext)new InfoCamDbContextFactory(Store.Sqlite(new InfoCamPaths(".", "design-time.db", "design-time-jobs.db"))).CreateDbContext();
}

/// <summary>For <c>dotnet ef migrations add X --context PostgresInfoCamDbContext --output-dir Migrations/PostgreSql</c> (no server needed).</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresInfoCamDbContext>
{
    public PostgresInfoCamDbContext CreateDbContext(string[] args) =>
        (PostgresInfoCamDbContext)new InfoCamDbContextFactory(Store.From("PostgreSQL", new InfoCamPaths(".", "x.db", "y.db"), "Host=localhost;Database=infocam")).CreateDbContext();
}
