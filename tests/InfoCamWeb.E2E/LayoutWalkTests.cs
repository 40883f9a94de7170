using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace InfoCamWeb.E2E;

/// <summary>
/// Every page, as a signed-out visitor, as a team member and through a share link, on a desktop window (1400×1000) and
/// a phone (390×844): nothing is wider than the window and the browser console stays free of errors. The screenshots go
/// to artifacts/screenshots/{size}/, and the ones the README shows to docs/screenshots/.
/// </summary>
public class LayoutWalkTests
{
    private static readonly (string Name, int Width, int Height)[] Sizes = [("desktop", 1400, 1000), ("phone", 390, 844)];

    /// <summary>Screenshots the README shows (size, page name).</summary>
    private static readonly HashSet<string> ReadmeShots = ["phone/member-run", "phone/member-images", "desktop/member-image-detail", "phone/signed-out-leaderboard"];

    [SkippableFact]
    public async Task Every_page_fits_a_desktop_window_and_a_phone_without_console_errors()
    {
        Skip.IfNot(File.Exists(BrowserFlowTests.Chromium), $"{BrowserFlowTests.Chromium} is not installed (apt-get install chromium); .ci/run installs it.");
        await using var app = await AppProcess.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserFlowTests.LaunchAsync(playwright);

        var memberContext = await browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 1400, Height = 1000 },
            Permissions = ["clipboard-read", "clipboard-write"],
        });
        var member = await memberContext.NewPageAsync();
        member.SetDefaultTimeout(60_000);
        var (runPath, shareLink) = await PublishedAndSharedRunAsync(member, app.Url);

        var problems = new List<string>();
        foreach (var size in Sizes)
        {
            await WalkAsync(browser, memberContext, app.Url, size, "member", MemberPages(runPath), problems);
            await WalkAsync(browser, null, app.Url, size, "signed-out", SignedOutPages(runPath), problems);
            await WalkAsync(browser, null, shareLink, size, "shared", [("result", ""), ("image", "/images/0")], problems);
        }
        Assert.True(problems.Count == 0, "Pages that do not fit or log errors:\n" + string.Join("\n", problems));
        await PhoneMenuReachesSignOutAsync(memberContext, app.Url);
        await DetailShowsEveryMethodAndTheTopClassesAsync(member, app.Url + runPath);
    }

    /// <summary>The image browser's first row opens the image's detail view: one heatmap per method (all eleven), the top five classes.</summary>
    private static async Task DetailShowsEveryMethodAndTheTopClassesAsync(IPage page, string runUrl)
    {
        await page.GotoAsync(runUrl + "/images");
        await BrowserFlowTests.LiveAsync(page);
        var id = (await page.Locator(".image-link").First.TextContentAsync())!.Trim();
        await page.Locator(".image-link").First.ClickAsync();
        await Assertions.Expect(page.Locator("#image-id")).ToHaveTextAsync(id);
        await Assertions.Expect(page.Locator("[data-testid=detail-method]")).ToHaveCountAsync(Methods.Length);
        await Assertions.Expect(page.Locator("#top-classes tbody tr")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("#top-classes")).ToContainTextAsync("(true class)");
    }

    /// <summary>On a phone the account items sit behind the menu button: opening it shows the team, the name and Sign out.</summary>
    private static async Task PhoneMenuReachesSignOutAsync(IBrowserContext member, string url)
    {
        var page = await member.NewPageAsync();
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync(url + "/runs");
        await BrowserFlowTests.LiveAsync(page);
        await Assertions.Expect(page.Locator("#nav-logout")).ToBeHiddenAsync();
        await page.ClickAsync("#account-menu summary");
        await Assertions.Expect(page.Locator("#menu-nav-logout")).ToBeInViewportAsync();
        await Assertions.Expect(page.Locator("#menu-nav-account")).ToHaveTextAsync("walker");
        await Assertions.Expect(page.Locator("#account-menu .team-picker")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#account-menu .team-picker")).ToContainTextAsync("Team walker");
        await page.CloseAsync();
    }

    private static (string, string)[] MemberPages(string run) =>
    [
        ("home", "/"), ("leaderboards", "/leaderboards"), ("runs", "/runs"), ("new-run", "/runs/new"), ("run", run),
        ("images", run + "/images"), ("image-detail", run + "/images/0"), ("models", "/models"), ("model", "/models/1"),
        ("datasets", "/datasets"), ("dataset", "/datasets/1"), ("teams", "/teams"), ("workers", "/workers"),
        ("account", "/account"), ("tokens", "/account/tokens"), ("compare", "/compare?runs=1," + run.Split('/')[^1]),
        ("benchmarks", "/benchmarks"), ("benchmark", "/benchmarks/1"), ("new-benchmark", "/benchmarks/new"), ("admin", "/admin"),
    ];

    private static (string, string)[] SignedOutPages(string run) =>
    [
        ("home", "/"), ("leaderboard", "/leaderboards"), ("runs", "/runs"), ("run", run), ("images", run + "/images"),
        ("image-detail", run + "/images/0"), ("models", "/models"), ("model", "/models/1"), ("datasets", "/datasets"), ("compare", "/compare?runs=1," + run.Split('/')[^1]),
        ("dataset", "/datasets/1"), ("teams", "/teams"), ("workers", "/workers"), ("login", "/account/login"),
        ("register", "/account/register"), ("benchmarks", "/benchmarks"), ("benchmark", "/benchmarks/1"),
    ];

    /// <summary>Every method the run form offers (the pages must fit with all of them).</summary>
    private static readonly string[] Methods =
        ["CAM", "infoCAM", "infoCAM+", "Grad-CAM", "HiResCAM", "XGrad-CAM", "Grad-CAM++", "LayerCAM", "Eigen-CAM", "Ablation-CAM", "Score-CAM"];

    /// <summary>
    /// A member's run of the demo with every method (Score-CAM capped at two channels), published to the leaderboard,
    /// with a share link; returns its path and the link.
    /// </summary>
    private static async Task<(string RunPath, string ShareLink)> PublishedAndSharedRunAsync(IPage page, string url)
    {
        await BrowserFlowTests.RegisterWithTeamAsync(page, url, "walker");
        await page.GotoAsync(url + "/runs/new");
        await BrowserFlowTests.LiveAsync(page);
        foreach (var method in Methods) await page.GetByLabel(method, new() { Exact = true }).CheckAsync();
        await page.GetByLabel("Score-CAM channels (empty: all)").FillAsync("2");
        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(page.Locator("#scorecam-cost")).ToContainTextAsync("160 images x 2 channels = 320 forward passes");
        await page.ClickAsync("#start-run");
        await page.WaitForURLAsync(new Regex(@"/runs/\d+$"));
        var runPath = new Uri(page.Url).AbsolutePath;
        await Assertions.Expect(page.GetByText("succeeded")).ToBeVisibleAsync(new() { Timeout = 180_000 });
        await page.ReloadAsync();
        await BrowserFlowTests.LiveAsync(page);
        await page.ClickAsync("#publish");
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("Unpublish")).ToBeVisibleAsync();
        await page.ClickAsync("#create-share");
        var link = (await page.Locator("#share-link").TextContentAsync())!.Trim();
        // The copy button next to the link puts exactly the link on the clipboard.
        await page.Locator("#share-link + .copy-button").ClickAsync();
        await Assertions.Expect(page.Locator("#share-link + .copy-button")).ToContainTextAsync("Copied");
        Assert.Equal(link, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        return (runPath, link);
    }

    private static async Task WalkAsync(IBrowser browser, IBrowserContext? signedIn, string baseUrl, (string Name, int Width, int Height) size,
        string visitor, (string Name, string Path)[] pages, List<string> problems)
    {
        var context = signedIn is null
            ? await browser.NewContextAsync(new() { ViewportSize = new() { Width = size.Width, Height = size.Height } })
            : signedIn;
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        await page.SetViewportSizeAsync(size.Width, size.Height);
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        page.PageError += (_, e) => errors.Add(e);
        var folder = Path.Combine(AppProcess.RepoRoot, "artifacts", "screenshots", size.Name);
        Directory.CreateDirectory(folder);
        foreach (var (name, path) in pages)
        {
            errors.Clear();
            await page.GotoAsync(baseUrl + path);
            await SettledAsync(page);
            var width = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
            var where = $"{size.Name} {visitor} {path}";
            if (width[0] > width[1]) problems.Add($"{where}: {width[0]} px wide in a {width[1]} px window ({await WidestAsync(page)}).");
            // The top bar is fixed, so what it clips never widens the page: check its items one by one.
            var clipped = await page.EvaluateAsync<string[]>(
                "() => Array.from(document.querySelectorAll('.mud-appbar a, .mud-appbar button, .mud-appbar summary, .mud-appbar .mud-select'))" +
                ".filter(e => e.checkVisibility() && e.getBoundingClientRect().right > window.innerWidth + 0.5).map(e => e.id || e.textContent.trim())");
            problems.AddRange(clipped.Select(c => $"{where}: the top bar's '{c}' is cut off at the right edge."));
            problems.AddRange(errors.Select(e => $"{where}: console error: {e}"));
            var shot = Path.Combine(folder, $"{visitor}-{name}.png");
            await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
            if (ReadmeShots.Contains($"{size.Name}/{visitor}-{name}"))
            {
                // What a visitor sees first (the window, not the whole page), for the README.
                await page.ScreenshotAsync(new() { Path = Path.Combine(AppProcess.RepoRoot, "docs", "screenshots", $"{size.Name}-{visitor}-{name}.png") });
            }
        }
        await page.CloseAsync();
        if (signedIn is null) await context.CloseAsync();
    }

    /// <summary>The page is live (interactive pages) and its images have loaded.</summary>
    private static async Task SettledAsync(IPage page)
    {
        if (!page.Url.Contains("/account/login") && !page.Url.Contains("/account/register") && !Regex.IsMatch(page.Url, "/account$"))
        {
            await BrowserFlowTests.LiveAsync(page);
        }
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.WaitForFunctionAsync("() => Array.from(document.images).every(i => i.complete)");
    }

    /// <summary>The elements that stick out to the right, to say what overflows.</summary>
    private static Task<string> WidestAsync(IPage page) => page.EvaluateAsync<string>("""
        () => Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5 && e.getClientRects().length > 0)
            .filter(e => !Array.from(e.children).some(c => c.getBoundingClientRect().right > window.innerWidth + 0.5))
            .slice(0, 4)
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).slice(0, 2).join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')
            .join(', ')
        """);
}
