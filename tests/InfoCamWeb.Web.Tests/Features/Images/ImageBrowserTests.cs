using InfoCamWeb.Data;
using InfoCamWeb.Web.Features.Images;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Tests.Features.Images;

[Collection(WebAppCollection.Name)]
public class ImageBrowserTests(WebAppFixture app)
{
    [Fact]
    public async Task Methods_disagree_lists_exactly_the_images_where_one_of_the_runs_methods_hits_and_another_misses()
    {
        var demo = await app.DemoRunAsync();
        await using var db = await app.Db.CreateDbContextAsync();
        var rows = await db.RunImageMethods.AsNoTracking().Where(i => i.RunId == demo.Id).ToListAsync();
        var all = rows.GroupBy(r => r.Index).Select(g => new { Index = g.Key, Hits = g.OrderBy(r => r.Method).Select(r => r.FixedIoU >= 0.5).ToArray() }).ToList();
        Assert.All(all, i => Assert.Equal(3, i.Hits.Length));
        var expected = all.Where(i => i.Hits.Distinct().Count() > 1).Select(i => i.Index).Order().ToList();
        // The old filter looked at CAM and infoCAM only; images where only infoCAM+ differs must be in too.
        Assert.Contains(all, i => i.Hits[0] == i.Hits[1] && i.Hits[1] != i.Hits[2]);

        var page = await app.Get<ImageBrowserService>().QueryAsync(Actor.Anonymous, demo.Id, new ImageQuery { Disagree = true, PageSize = 500 });
        Assert.NotNull(page);
        Assert.Equal(expected, page.Rows.Select(r => r.Index).Order());
        Assert.Equal(expected.Count, page.Total);
    }

    [Fact]
    public async Task Best_first_orders_by_the_chosen_methods_iou_from_the_highest()
    {
        var demo = await app.DemoRunAsync();
        var browser = app.Get<ImageBrowserService>();
        var best = await browser.QueryAsync(Actor.Anonymous, demo.Id, new ImageQuery { Method = 2, BestFirst = true, PageSize = 500 });
        var worst = await browser.QueryAsync(Actor.Anonymous, demo.Id, new ImageQuery { Method = 2, PageSize = 500 });
        var ious = best!.Rows.Select(r => r.IoU[2]).ToList();
        Assert.Equal(ious.OrderByDescending(v => v), ious);
        Assert.Equal(worst!.Rows.Select(r => r.IoU[2]).Order(), worst.Rows.Select(r => r.IoU[2]));
        Assert.Equal(160, ious.Count);
    }
}
