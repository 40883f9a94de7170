using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace InfoCamWeb.E2E;

/// <summary>Two users in two teams: a private run stays private, a published run reaches the leaderboard, a share link
/// opens in a fresh signed-out browser and stops working once revoked.</summary>
public class TeamsFlowTests
{
    [SkippableFact]
    public async Task Publish_to_the_leaderboard_share_signed_out_and_revoke()
    {
        Skip.IfNot(File.Exists(BrowserFlowTests.Chromium), $"{BrowserFlowTests.Chromium} is not installed (apt-get install chromium); .ci/run installs it.");
        await using var app = await AppProcess.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserFlowTests.LaunchAsync(playwright);

        var alice = await (await browser.NewContextAsync()).NewPageAsync();
        alice.SetDefaultTimeout(60_000);
        await BrowserFlowTests.RegisterWithTeamAsync(alice, app.Url, "alice");
        await alice.GotoAsync(app.Url + "/runs/new");
        await BrowserFlowTests.LiveAsync(alice);
        await alice.ClickAsync("#start-run");
        await alice.WaitForURLAsync(new Regex(@"/runs/\d+$"));
        var runUrl = alice.Url;
        await Assertions.Expect(alice.GetByText("succeeded")).ToBeVisibleAsync(new() { Timeout = 180_000 });

        // Bob, in another team, cannot see the private run.
        var bob = await (await browser.NewContextAsync()).NewPageAsync();
        bob.SetDefaultTimeout(60_000);
        await BrowserFlowTests.RegisterWithTeamAsync(bob, app.Url, "bob");
        await bob.GotoAsync(runUrl);
        await Assertions.Expect(bob.GetByText(new Regex(@"Run #\d+ does not exist\."))).ToBeVisibleAsync();

        // Alice publishes it: it appears on the leaderboard for everyone.
        await alice.ReloadAsync();
        await BrowserFlowTests.LiveAsync(alice);
        await alice.ClickAsync("#publish");
        // A run becomes public only after a confirmation, and the message says what happened.
        await alice.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Assertions.Expect(alice.GetByText("Published to the leaderboard.")).ToBeVisibleAsync();
        await Assertions.Expect(alice.GetByText("Unpublish")).ToBeVisibleAsync();
        await bob.GotoAsync(app.Url + "/leaderboards");
        await Assertions.Expect(bob.Locator("#leaderboard")).ToContainTextAsync("Team alice");
        // Bob can read the published run, but has no controls over it.
        await bob.GotoAsync(runUrl);
        await BrowserFlowTests.LiveAsync(bob);
        await Assertions.Expect(bob.GetByText("Top-1 Loc").First).ToBeVisibleAsync();
        Assert.Equal(0, await bob.Locator("#publish").CountAsync());
        Assert.Equal(0, await bob.Locator("#create-share").CountAsync());

        // A share link opens in a fresh, signed-out context.
        await alice.ClickAsync("#create-share");
        var link = (await alice.Locator("#share-link").TextContentAsync())!.Trim();
        Assert.Matches(@"/s/[A-Za-z0-9_-]{22}$", link);
        var stranger = await (await browser.NewContextAsync()).NewPageAsync();
        var response = await stranger.GotoAsync(link);
        Assert.Equal("no-referrer", response!.Headers["referrer-policy"]);
        Assert.Contains("noindex", response.Headers["x-robots-tag"]);
        await Assertions.Expect(stranger.GetByText("read-only shared result")).ToBeVisibleAsync();
        await Assertions.Expect(stranger.GetByText("Top-1 Loc").First).ToBeVisibleAsync();
        await stranger.ScreenshotAsync(new() { Path = Path.Combine(AppProcess.RepoRoot, "docs", "screenshots", "shared-result.png") });

        // Revoked: the link stops working at once.
        await alice.Locator(".revoke-share").First.ClickAsync();
        await Assertions.Expect(alice.GetByText("revoked")).ToBeVisibleAsync();
        var again = await (await browser.NewContextAsync()).NewPageAsync();
        await again.GotoAsync(link);
        await Assertions.Expect(again.Locator("#share-missing")).ToBeVisibleAsync();

        // Bob runs the same settings and publishes: image for image the same outcomes as Alice's, so both rows are tied
        // at the top, and the comparison of the two says they cannot be told apart.
        await bob.GotoAsync(app.Url + "/runs/new");
        await BrowserFlowTests.LiveAsync(bob);
        await bob.ClickAsync("#start-run");
        await bob.WaitForURLAsync(new Regex(@"/runs/\d+$"));
        await Assertions.Expect(bob.GetByText("succeeded")).ToBeVisibleAsync(new() { Timeout = 180_000 });
        await bob.ReloadAsync();
        await BrowserFlowTests.LiveAsync(bob);
        await bob.ClickAsync("#publish");
        await bob.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Assertions.Expect(bob.GetByText("Published to the leaderboard.")).ToBeVisibleAsync();
        await bob.GotoAsync(app.Url + "/leaderboards");
        await BrowserFlowTests.LiveAsync(bob);
        await Assertions.Expect(bob.Locator("[data-testid=tied-at-top]")).ToHaveCountAsync(2);
        // Columns sort: by team, then reversed.
        await bob.Locator("#leaderboard [data-sort=team]").ClickAsync();
        await Assertions.Expect(bob.Locator("#leaderboard tbody tr").First).ToContainTextAsync("Team alice");
        await bob.Locator("#leaderboard [data-sort=team]").ClickAsync();
        await Assertions.Expect(bob.Locator("#leaderboard tbody tr").First).ToContainTextAsync("Team bob");
        await bob.Locator("#leaderboard [data-testid^=compare-]").First.ClickAsync();
        await bob.WaitForURLAsync(new Regex(@"/compare\?runs=\d+,\d+"));
        await Assertions.Expect(bob.Locator("#compare-metrics")).ToContainTextAsync("not distinguishable");
        await Assertions.Expect(bob.Locator("[data-testid=boxacc-chart] polyline.curve")).ToHaveCountAsync(2);
    }
}
