using InfoCamWeb.Data;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Tests.Data;

/// <summary>Each provider has one squashed initial migration, and it describes the current model exactly.</summary>
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
