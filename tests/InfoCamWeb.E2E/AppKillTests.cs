using System.Globalization;
using Microsoft.Data.Sqlite;

namespace InfoCamWeb.E2E;

/// <summary>The whole server (web app and worker) killed mid-run and started again on the same data.</summary>
public class AppKillTests
{
    private static async Task<(string Status, int Done)> RunStateAsync(string database, int id)
    {
        await using var db = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        await db.OpenAsync();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT Status, ImagesDone FROM Runs WHERE Id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        await using var r = await cmd.ExecuteReaderAsync();
        return await r.ReadAsync() ? (r.GetString(0), r.GetInt32(1)) : ("", 0);
    }

    [Fact]
    public async Task Killing_the_app_and_its_worker_mid_run_then_starting_again_resumes_to_the_reference_result_image_for_image()
    {
        var env = new Dictionary<string, string> { ["InfoCam__Demo__RunOnFirstStart"] = "true" };
        var first = await AppProcess.StartAsync(env);
        var database = Path.Combine(first.Root, "data", "infocam.db");
        int killedAt;
        try
        {
            // The demo run (id 1, 160 test images in batches of 16): kill everything once some batches are saved.
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (true)
            {
                var (status, done) = await RunStateAsync(database, 1);
                if (status == "Running" && done is >= 16 and < 128)
                {
                    killedAt = done;
                    break;
                }
                Assert.True(status is "" or "Queued" or "Running", $"the run ended ({status}) before it could be interrupted");
                Assert.True(DateTime.UtcNow < deadline, "the demo run did not start");
                await Task.Delay(20);
            }
            await first.KillAsync();
        }
        finally
        {
            await first.DisposeAsync();
        }
        Assert.Equal("Running", (await RunStateAsync(database, 1)).Status);

        await using var second = await AppProcess.StartAsync(env, first.Root);
        var until = DateTime.UtcNow.AddMinutes(3);
        while ((await RunStateAsync(database, 1)).Status is "Running" or "Queued")
        {
            Assert.True(DateTime.UtcNow < until, "the interrupted run did not finish after the restart");
            await Task.Delay(200);
        }
        Assert.Equal("Succeeded", (await RunStateAsync(database, 1)).Status);

        // Every image once, each equal to the PyTorch + OpenCV reference.
        var reference = File.ReadAllLines(Path.Combine(AppProcess.RepoRoot, "tests", "InfoCamWeb.Core.Tests", "Evaluation", "demo-reference.csv"))
            .Skip(1).Select(l => l.Split(',')).ToList();
        var rows = new List<(int Index, string ImageId, int Predicted, double[] IoU)>();
        await using (var db = new SqliteConnection($"Data Source={database};Mode=ReadOnly"))
        {
            await db.OpenAsync();
            await using var cmd = db.CreateCommand();
            cmd.CommandText = "SELECT i.\"Index\", i.ImageId, i.PredictedClass, m0.FixedIoU, m1.FixedIoU, m2.FixedIoU FROM RunImages i " +
                string.Concat(Enumerable.Range(0, 3).Select(m => $"JOIN RunImageMethods m{m} ON m{m}.RunId = i.RunId AND m{m}.\"Index\" = i.\"Index\" AND m{m}.Method = {m} ")) +
                "WHERE i.RunId = 1 ORDER BY i.\"Index\"";
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                rows.Add((r.GetInt32(0), r.GetString(1), r.GetInt32(2), [r.GetDouble(3), r.GetDouble(4), r.GetDouble(5)]));
            }
        }
        Assert.Equal(Enumerable.Range(0, 160), rows.Select(x => x.Index));
        Assert.Equal(reference.Count, rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(reference[i][0], rows[i].ImageId);
            Assert.Equal(int.Parse(reference[i][2], CultureInfo.InvariantCulture), rows[i].Predicted + 1);
            for (int m = 0; m < 3; m++)
            {
                Assert.Equal(double.Parse(reference[i][7 + 5 * m], CultureInfo.InvariantCulture), rows[i].IoU[m], 9);
            }
        }
        Assert.InRange(killedAt, 16, 127);
    }
}
