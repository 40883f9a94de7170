using InfoCamWeb.Data;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Tests.Data;

/// <summary>Each provider's migrations start from one squashed initial migration and describe the current model exactly.</summary>
public class MigrationTests
{
    public static TheoryData<string> Providers => new() { "SQLite", "PostgreSQL" };

    private static InfoCamDbContext Context(string provider) =>
        new InfoCamDbContextFactory(Store.From(provider, new InfoCamPaths(Path.GetTempPath(), "unused.db", "unused-jobs.db"), "Host=127.0.0.1;Database=unused"))
            .CreateDbContext();

    [Theory]
    [MemberData(nameof(Providers))]
    public void The_migrations_of_each_provider_match_the_model(string provider)
    {
        using var db = Context(provider);
        Assert.False(db.Database.HasPendingModelChanges(), $"The {provider} model changed without a migration: dotnet ef migrations add … --context {db.GetType().Name}.");
        Assert.EndsWith("_Initial", db.Database.GetMigrations().First(), StringComparison.Ordinal);
        Assert.Single(db.Database.GetMigrations(), m => m.EndsWith("_Initial", StringComparison.Ordinal));
    }

    [Fact]
    public void A_store_setting_that_is_wrong_says_which_setting_and_why()
    {
        var paths = new InfoCamPaths(Path.GetTempPath(), "a.db", "b.db");
        Assert.Equal("InfoCam:Store is 'MySQL': use SQLite (the default) or PostgreSQL.",
            Assert.Throws<InvalidOperationException>(() => Store.From("MySQL", paths, null)).Message);
        Assert.Equal("InfoCam:Store is PostgreSQL but ConnectionStrings:InfoCam is empty.",
            Assert.Throws<InvalidOperationException>(() => Store.From("PostgreSQL", paths, " ")).Message);
        Assert.Equal("PostgreSQL db.example.org:5433/infocam",
            Store.From("postgresql", paths, "Host=db.example.org;Port=5433;Database=infocam;Password=secret").Describe());
    }
}

/// <summary>Upgrading a database that holds runs keeps every stored IoU (SQLite; the PostgreSQL migration runs the same SQL).</summary>
[Collection(WebAppCollection.Name)]
public class MethodIoUMigrationTests(WebAppFixture app)
{
    [Fact]
    public async Task Moving_the_iou_columns_to_one_row_per_method_and_back_keeps_every_value()
    {
        var demo = await app.DemoRunAsync();
        var copy = Path.Combine(app.Root, $"upgrade-{Guid.NewGuid():N}.db");
        await using (var live = await app.Db.CreateDbContextAsync())
        {
            await live.Database.ExecuteSqlAsync($"VACUUM INTO {copy}");
        }
        await using var db = new SqliteInfoCamDbContext(new DbContextOptionsBuilder<SqliteInfoCamDbContext>().UseSqlite($"Data Source={copy};Pooling=False").Options);
        var before = await Rows(db, demo.Id);
        Assert.Equal(160 * 3, before.Count);
        var migrator = Microsoft.EntityFrameworkCore.Infrastructure.AccessorExtensions.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>(db);
        string initial = db.Database.GetMigrations().First();

        await migrator.MigrateAsync(initial);
        var columns = await db.Database.SqlQuery<double>($"SELECT IoU2 AS Value FROM RunImages WHERE RunId = {demo.Id} ORDER BY \"Index\"").ToListAsync();
        Assert.Equal(before.Where(r => r.Method == 2).OrderBy(r => r.Index).Select(r => r.FixedIoU), columns);

        await migrator.MigrateAsync();
        Assert.Equal(before, await Rows(db, demo.Id));
    }

    private static async Task<List<(int Index, int Method, double FixedIoU)>> Rows(InfoCamDbContext db, int runId) =>
        (await db.RunImageMethods.AsNoTracking().Where(r => r.RunId == runId).OrderBy(r => r.Index).ThenBy(r => r.Method).ToListAsync())
            .Select(r => (r.Index, r.Method, r.FixedIoU)).ToList();
}
