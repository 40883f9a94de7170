using System.Net;
using InfoCamWeb.Core.Cams;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Features.Images;
using InfoCamWeb.Web.Features.Runs;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Tests.Features;

/// <summary>A run of every method (the paper's three and the CAM family) through the worker, the result, the image browser and the downloads.</summary>
[Collection(WebAppCollection.Name)]
public class CamFamilyRunTests(WebAppFixture app)
{
    [Fact]
    public async Task A_run_of_all_eleven_methods_is_scored_browsed_and_exported_per_method()
    {
        var demo = await app.DemoRunAsync();
        var actor = await app.NewTeamMemberAsync();
        var keys = CamMethods.Every.Select(m => m.Key()).Reverse().ToHashSet();
        var created = await app.Get<RunService>().CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, Methods = keys, ScoreCamChannels = 4 });
        Assert.Equal("Score-CAM adds 160 images x 4 channels = 640 forward passes of the whole model (4 per image besides the run's one); capped from the model's 128 channels.",
            created.ScoreCamCost);
        var id = created.RunId!.Value;
        var run = await app.WaitForRunAsync(id);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(string.Join(",", CamMethods.Every.Select(m => m.Key())), run.Methods);

        // The paper's three score exactly as in the demo run; every method has its own figures.
        var result = RunService.Result(run)!;
        var baseline = RunService.Result(demo)!;
        Assert.Equal(CamMethods.Every.Select(m => m.Key()), result.Methods.Keys);
        foreach (var key in baseline.Methods.Keys)
        {
            Assert.Equal(baseline.Methods[key].GtKnownLoc, result.Methods[key].GtKnownLoc);
        }

        // One IoU row per image and method; the browser sorts by the last method and finds where the ten disagree.
        await using var db = await app.Db.CreateDbContextAsync();
        Assert.Equal(160 * 11, await db.RunImageMethods.CountAsync(r => r.RunId == id));
        var browser = app.Get<ImageBrowserService>();
        var page = await browser.QueryAsync(actor, id, new ImageQuery { Method = 9, BestFirst = true, PageSize = 200 });
        Assert.Equal(160, page!.Total);
        Assert.All(page.Rows, r => Assert.Equal(11, r.IoU.Length));
        Assert.Equal(page.Rows.Select(r => r.IoU[9]).OrderByDescending(v => v), page.Rows.Select(r => r.IoU[9]));
        double ablation = result.Methods["ablationcam"].GtKnownLoc;
        Assert.Equal(ablation, 100.0 * page.Rows.Count(r => r.IoU[9] >= 0.5) / 160, 9);
        var mixed = await browser.QueryAsync(actor, id, new ImageQuery { Disagree = true, PageSize = 200 });
        Assert.Equal(page.Rows.Where(r => r.IoU.Any(v => v >= 0.5) && r.IoU.Any(v => v < 0.5)).Select(r => r.Index).Order(), mixed!.Rows.Select(r => r.Index).Order());

        var client = await app.SignedInClientAsync(actor);
        foreach (var method in CamMethods.Every)
        {
            var image = await client.GetAsync($"/runs/{id}/images/{page.Rows[0].Index}/{method.UrlKey()}-small.jpg");
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        }
        var csv = (await client.GetStringAsync($"/runs/{id}/images.csv")).Split('\n')[0];
        Assert.Contains("gradcam++_iou", csv);
        Assert.Contains("ablationcam_iou", csv);
        Assert.Contains("scorecam_iou", csv);
        var runsPage = await client.GetStringAsync("/runs");
        Assert.Contains("Ablation-CAM", runsPage);
    }
}
