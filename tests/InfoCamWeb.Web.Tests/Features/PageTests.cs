namespace InfoCamWeb.Web.Tests.Features;

/// <summary>Pages as a signed-out visitor receives them (server-rendered HTML).</summary>
[Collection(WebAppCollection.Name)]
public class PageTests(WebAppFixture app)
{
    [Fact]
    public async Task A_signed_out_visitor_is_asked_to_sign_in_before_any_dataset_upload_form_is_shown()
    {
        var html = await app.CreateClient().GetStringAsync("/datasets");
        Assert.Contains("id=\"dataset-sign-in\"", html);
        Assert.DoesNotContain("id=\"dataset-file\"", html);
        Assert.DoesNotContain("Register a dataset folder", html);
    }

    [Fact]
    public async Task The_runs_list_has_one_gt_known_column_per_method()
    {
        await app.DemoRunAsync();
        var html = await app.CreateClient().GetStringAsync("/runs");
        Assert.DoesNotContain("CAM / infoCAM / infoCAM+", html);
        var headers = System.Text.RegularExpressions.Regex.Matches(html, @"■</span>\s*([^<]+?)\s*</th>").Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
        Assert.Equal(["CAM", "infoCAM", "infoCAM+"], headers);
    }
}
