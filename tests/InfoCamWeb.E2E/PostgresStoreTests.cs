using System.Globalization;
using System.Text.Json;

namespace InfoCamWeb.E2E;

/// <summary>The app with InfoCam:Store = PostgreSQL: migrations, Hangfire's storage and a run, against a real server.</summary>
public class PostgresStoreTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    [SkippableFact]
    public async Task On_postgresql_the_demo_run_gives_the_reference_numbers_and_boxes()
    {
        Skip.IfNot(PostgresServer.Installed, PostgresServer.SkipReason);
        await postgres.CreateDatabaseAsync("demo");
        await using var app = await AppProcess.StartAsync(new Dictionary<string, string>
        {
            ["InfoCam__Store"] = "PostgreSQL",
            ["ConnectionStrings__InfoCam"] = postgres.ConnectionString("demo"),
            ["InfoCam__Demo__RunOnFirstStart"] = "true",
        });
        await app.WaitForSuccessAsync(1, TimeSpan.FromMinutes(3));
        using var http = new HttpClient();
        Assert.False(File.Exists(Path.Combine(app.Root, "data", "infocam.db")), "SQLite was used although the store is PostgreSQL.");

        var reference = Path.Combine(AppProcess.RepoRoot, "tests", "InfoCamWeb.Core.Tests", "Evaluation");
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(reference, "demo-reference.json")));
        using var actual = JsonDocument.Parse(await http.GetStringAsync(app.Url + "/runs/1/result.json"));
        foreach (var method in expected.RootElement.GetProperty("methods").EnumerateObject())
        {
            var ours = actual.RootElement.GetProperty("methods").GetProperty(method.Name);
            foreach (var metric in new[] { "gtKnownLoc", "top1Loc", "maxBoxAcc", "maxBoxAccV2" })
            {
                Assert.Equal(method.Value.GetProperty(metric).GetDouble(), ours.GetProperty(metric).GetDouble(), 9);
            }
        }
        var rows = (await http.GetStringAsync(app.Url + "/runs/1/images.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1).ToDictionary(l => l.Split(',')[0]);
        foreach (var line in File.ReadAllLines(Path.Combine(reference, "demo-reference.csv")).Skip(1))
        {
            var want = line.Split(',');
            var got = rows[want[0]].Split(',');
            for (int i = 0; i < want.Length; i++)
            {
                if (i % 5 == 2 && i > 2) Assert.Equal(double.Parse(want[i], CultureInfo.InvariantCulture), double.Parse(got[i], CultureInfo.InvariantCulture), 12);
                else Assert.Equal(want[i], got[i]);
            }
        }
    }
}
