using System.Net;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Features.Runs;
using InfoCamWeb.Web.Features.Sharing;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Tests.Features;

[Collection(WebAppCollection.Name)]
public class SharingTests(WebAppFixture app)
{
    private async Task<(InfoCamWeb.Data.Actor Actor, int Run)> PrivateRunAsync()
    {
        var demo = await app.DemoRunAsync();
        var actor = await app.NewTeamMemberAsync();
        var id = (await app.Get<RunService>().CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId })).RunId!.Value;
        await app.WaitForRunAsync(id);
        return (actor, id);
    }

    [Fact]
    public async Task A_share_link_opens_the_private_result_signed_out_with_noindex_no_referrer_and_open_graph_until_revoked()
    {
        var (actor, run) = await PrivateRunAsync();
        var shares = app.Get<ShareService>();
        var (token, error) = await shares.CreateAsync(actor, run);
        Assert.Null(error);
        Assert.Equal(22, token!.Length); // 128 bits, URL-safe base64
        await using (var db = await app.Db.CreateDbContextAsync())
        {
            var stored = await db.ShareLinks.SingleAsync(l => l.RunId == run);
            Assert.NotEqual(token, stored.TokenHash);
            Assert.Equal(ShareService.Hash(token), stored.TokenHash);
        }
        var anonymous = app.CreateClient();
        var response = await anonymous.GetAsync($"/s/{token}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("noindex, nofollow", response.Headers.GetValues("X-Robots-Tag").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<meta name=\"robots\" content=\"noindex, nofollow\"", html);
        Assert.Contains("property=\"og:title\"", html);
        Assert.Contains("property=\"og:description\" content=\"Top-1 Loc CAM", html);
        Assert.Contains("Top-1 Loc", html);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/s/{token}/images/0/infocam-plus.jpg")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/s/{token}/images/3")).StatusCode);
        // The link opens that run only: the run's own page and downloads stay private.
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/runs/{run}/result.json")).StatusCode);

        // Altered tokens open nothing.
        var altered = token[..^1] + (token[^1] == 'A' ? 'B' : 'A');
        Assert.Contains("This link does not open anything", await anonymous.GetStringAsync($"/s/{altered}"));
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/s/{altered}/images/0/cam.jpg")).StatusCode);

        // Another team cannot revoke it; revoking works at once.
        var other = await app.NewTeamMemberAsync();
        var link = (await shares.ListAsync(actor, run)).Single();
        Assert.NotNull(await shares.RevokeAsync(other, link.Id));
        Assert.Empty(await shares.ListAsync(other, run));
        Assert.Null(await shares.RevokeAsync(actor, link.Id));
        Assert.Contains("This link does not open anything", await anonymous.GetStringAsync($"/s/{token}"));
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/s/{token}/images/0/cam.jpg")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/s/{token}/result.json")).StatusCode);
    }

    [Fact]
    public async Task Another_team_cannot_create_a_share_link_for_a_run_it_does_not_own()
    {
        var (_, run) = await PrivateRunAsync();
        var other = await app.NewTeamMemberAsync();
        var (token, error) = await app.Get<ShareService>().CreateAsync(other, run);
        Assert.Null(token);
        Assert.Equal("The run does not exist or belongs to another team.", error);
    }
}
