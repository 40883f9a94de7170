using System.IO.Compression;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace InfoCamWeb.E2E;

/// <summary>
/// A host creates a benchmark with hidden ground truth and two phases; two teams submit; the limit refuses a third
/// submission with its reason; the public board ranks the entries with intervals and groups the tie at the top; a
/// participant reaches no box of the hidden split (pages, image URLs, CSV, API, share link).
/// </summary>
public class BenchmarkFlowTests
{
    [SkippableFact]
    public async Task A_hidden_benchmark_from_creation_to_a_tied_board_without_a_box_reaching_a_participant()
    {
        Skip.IfNot(File.Exists(BrowserFlowTests.Chromium), $"{BrowserFlowTests.Chromium} is not installed (apt-get install chromium); .ci/run installs it.");
        await using var app = await AppProcess.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserFlowTests.LaunchAsync(playwright);

        var host = await NewPageAsync(browser);
        // The first account of a fresh install is administrator: it grants itself the host role.
        await BrowserFlowTests.RegisterWithTeamAsync(host, app.Url, "hana");
        await host.GotoAsync(app.Url + "/admin");
        await BrowserFlowTests.LiveAsync(host);
        await host.Locator("tr[data-email='hana@example.org'] .role-host input").CheckAsync();
        await Assertions.Expect(host.Locator("tr[data-email='hana@example.org'] .role-host input")).ToBeCheckedAsync();
        int dataset = await UploadDatasetAsync(host, app);

        var benchmark = await CreateBenchmarkAsync(host, app.Url);
        await Assertions.Expect(host.Locator("#ground-truth-chip")).ToContainTextAsync("hidden");

        var alice = await NewPageAsync(browser);
        await BrowserFlowTests.RegisterWithTeamAsync(alice, app.Url, "alice");
        await UploadModelAsync(alice, app.Url);
        var aliceRun = await SubmitAndWaitAsync(alice, benchmark);
        await SubmitAndWaitAsync(alice, benchmark);
        await alice.GotoAsync(benchmark);
        await BrowserFlowTests.LiveAsync(alice);
        await Development(alice).Locator("[data-testid=submit]").ClickAsync();
        await Assertions.Expect(Development(alice).Locator("[data-testid=submit-error]"))
            .ToContainTextAsync("Limit: your team has made 2 submissions to this phase in the last 24 hours (at most 2 a day)");

        var bob = await NewPageAsync(browser);
        await BrowserFlowTests.RegisterWithTeamAsync(bob, app.Url, "bob");
        await UploadModelAsync(bob, app.Url);
        var bobRun = await SubmitAndWaitAsync(bob, benchmark);

        // The public board: one row per team, intervals, both tied at the top (the same weights); the final board waits for its close.
        await bob.GotoAsync(benchmark);
        await BrowserFlowTests.LiveAsync(bob);
        var board = Development(bob).Locator("[data-testid=phase-board]");
        await Assertions.Expect(board.Locator("tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(board.Locator("[data-testid=tied-at-top]")).ToHaveCountAsync(2);
        await Assertions.Expect(board.Locator("tbody tr").First).ToContainTextAsync(new Regex(@"\d+\.\d\d – \d+\.\d\d"));
        await Assertions.Expect(bob.Locator("[data-phase=Final] [data-testid=board-hidden]")).ToBeVisibleAsync();
        await board.Locator(".pick-row").Nth(0).CheckAsync();
        await board.Locator(".pick-row").Nth(1).CheckAsync();
        await Assertions.Expect(Development(bob).Locator("[data-testid=row-pair]")).ToContainTextAsync("not distinguishable");
        await bob.ScreenshotAsync(new() { Path = Path.Combine(AppProcess.RepoRoot, "docs", "screenshots", "benchmark.png"), FullPage = true });

        await NoBoxReachesAsync(playwright, bob, browser, app.Url, bobRun, dataset);
        // The host sees the per-image results of a submission to their benchmark.
        await host.GotoAsync($"{app.Url}/runs/{aliceRun}/images");
        await BrowserFlowTests.LiveAsync(host);
        await Assertions.Expect(host.GetByText(new Regex(@"IoU \d\.\d{3}")).First).ToBeVisibleAsync();

        // The host raises the development phase's daily limit; what the submissions ran with is locked.
        await EditBenchmarkAsync(host, benchmark);
        await alice.GotoAsync(benchmark);
        await BrowserFlowTests.LiveAsync(alice);
        await Assertions.Expect(Development(alice).Locator("[data-testid=limits]")).ToContainTextAsync("Used: 2 of 3 in the last 24 hours");
    }

    private static async Task EditBenchmarkAsync(IPage host, string benchmark)
    {
        await host.GotoAsync(benchmark);
        await BrowserFlowTests.LiveAsync(host);
        await host.ClickAsync("#edit-benchmark");
        await host.WaitForURLAsync(new Regex(@"/benchmarks/\d+/edit$"));
        await BrowserFlowTests.LiveAsync(host);
        await Assertions.Expect(host.Locator("#benchmark-run-fixed")).ToBeVisibleAsync();
        await Assertions.Expect(host.Locator("[data-testid=phase-0] .phase-from input")).ToBeDisabledAsync();
        await host.Locator("#benchmark-title-input").FillAsync("Hidden finches II");
        await host.Locator("[data-testid=phase-0] .phase-daily input").FillAsync("3");
        await host.Keyboard.PressAsync("Tab");
        await host.ClickAsync("#save-benchmark");
        await host.WaitForURLAsync(new Regex(@"/benchmarks/\d+$"));
        await Assertions.Expect(host.Locator("#benchmark-title")).ToHaveTextAsync("Hidden finches II");
    }

    private static async Task<IPage> NewPageAsync(IBrowser browser)
    {
        var page = await (await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 1000 } })).NewPageAsync();
        page.SetDefaultTimeout(60_000);
        return page;
    }

    private static ILocator Development(IPage page) => page.Locator("[data-phase=Development]");

    private static async Task<int> UploadDatasetAsync(IPage page, AppProcess app)
    {
        var zip = Path.Combine(app.Root, "hidden-finches.zip");
        Directory.CreateDirectory(app.Root);
        ZipFile.CreateFromDirectory(Path.Combine(AppProcess.RepoRoot, "datasets", "demo-cub"), zip, CompressionLevel.Fastest, includeBaseDirectory: true);
        await page.GotoAsync(app.Url + "/datasets");
        await BrowserFlowTests.LiveAsync(page);
        await page.SetInputFilesAsync("#dataset-file", zip);
        await page.WaitForURLAsync(new Regex(@"/datasets/\d+$"));
        return int.Parse(page.Url.Split('/')[^1]);
    }

    private static async Task UploadModelAsync(IPage page, string url)
    {
        await page.GotoAsync(url + "/models");
        await BrowserFlowTests.LiveAsync(page);
        await page.SetInputFilesAsync("#model-file", Path.Combine(AppProcess.RepoRoot, "datasets", "demo-model", "demo-cnn.onnx"));
        await page.WaitForURLAsync(new Regex(@"/models/\d+$"));
    }

    /// <summary>The form's defaults (the host's dataset, hidden ground truth, development 0-30 public, final 30-100 shown at the close), 2 a day in development.</summary>
    private static async Task<string> CreateBenchmarkAsync(IPage host, string url)
    {
        await host.GotoAsync(url + "/benchmarks");
        await BrowserFlowTests.LiveAsync(host);
        await host.ClickAsync("#new-benchmark");
        await host.WaitForURLAsync(new Regex("/benchmarks/new$"));
        await BrowserFlowTests.LiveAsync(host);
        await host.Locator("#benchmark-title-input").FillAsync("Hidden finches");
        await host.Locator("#benchmark-description-input").FillAsync("Find the **head mark**. <script>alert(1)</script>");
        await host.Keyboard.PressAsync("Tab");
        await host.Locator("[data-testid=phase-0] .phase-daily input").FillAsync("2");
        await host.Keyboard.PressAsync("Tab");
        await Assertions.Expect(host.Locator("input#hidden-ground-truth-input, #hidden-ground-truth-input input")).ToBeCheckedAsync();
        await host.ClickAsync("#create-benchmark");
        await host.WaitForURLAsync(new Regex(@"/benchmarks/\d+$"));
        await Assertions.Expect(host.Locator("#benchmark-description strong")).ToHaveTextAsync("head mark");
        Assert.Equal(0, await host.Locator("#benchmark-description script").CountAsync());
        return host.Url;
    }

    /// <summary>Submits the team's model to the development phase and waits on the run's page until it has succeeded; the run's id.</summary>
    private static async Task<int> SubmitAndWaitAsync(IPage page, string benchmark)
    {
        await page.GotoAsync(benchmark);
        await BrowserFlowTests.LiveAsync(page);
        var rows = Development(page).Locator("[data-testid=my-submissions] tbody tr");
        int before = await rows.CountAsync();
        await Development(page).Locator("[data-testid=submit]").ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(before + 1);
        var link = rows.First.Locator("a[href^='/runs/']");
        int run = int.Parse((await link.GetAttributeAsync("href"))!.Split('/')[^1]);
        await link.ClickAsync();
        await Assertions.Expect(page.GetByText("succeeded")).ToBeVisibleAsync(new() { Timeout = 180_000 });
        return run;
    }

    /// <summary>Every channel a participant has to their own submission: pages, image URLs, CSV, JSON, the API, a share link.</summary>
    private static async Task NoBoxReachesAsync(IPlaywright playwright, IPage participant, IBrowser browser, string url, int run, int dataset)
    {
        await participant.GotoAsync($"{url}/runs/{run}");
        await BrowserFlowTests.LiveAsync(participant);
        await Assertions.Expect(participant.Locator("#hidden-ground-truth")).ToBeVisibleAsync();
        await Assertions.Expect(participant.GetByText("Top-1 Loc").First).ToBeVisibleAsync();
        Assert.Equal(0, await participant.Locator("a[href$='images.csv']").CountAsync());
        await participant.GotoAsync($"{url}/runs/{run}/images");
        await Assertions.Expect(participant.Locator("#hidden-ground-truth")).ToBeVisibleAsync();
        await Assertions.Expect(participant.Locator("img[alt='CAM heatmap']").First).ToBeVisibleAsync(); // the rows are there
        Assert.Equal(0, await participant.GetByText(new Regex(@"IoU \d\.\d{3}")).CountAsync());
        await participant.GotoAsync($"{url}/runs/{run}/images/0");
        await Assertions.Expect(participant.Locator("#ground-truth-hidden")).ToBeVisibleAsync();
        Assert.Equal(0, await participant.GetByText(new Regex(@"IoU \d\.\d{3}")).CountAsync());

        var http = participant.Context.APIRequest;
        var csv = await http.GetAsync($"{url}/runs/{run}/images.csv");
        Assert.Equal(403, csv.Status);
        Assert.DoesNotContain("\"perClassGtKnownLoc\":{\"", await (await http.GetAsync($"{url}/runs/{run}/result.json")).TextAsync());
        Assert.Equal(404, (await http.GetAsync($"{url}/datasets/{dataset}/images/0.png")).Status);
        Assert.Equal(404, (await http.GetAsync($"{url}/datasets/{dataset}/images/1.png")).Status);

        await participant.GotoAsync(url + "/account/tokens");
        await BrowserFlowTests.LiveAsync(participant);
        await participant.Locator("#token-name").FillAsync("script");
        await participant.Keyboard.PressAsync("Tab");
        await participant.ClickAsync("#create-token");
        var token = (await participant.Locator("#new-token").TextContentAsync())!.Trim();
        var api = await playwright.APIRequest.NewContextAsync(new() { ExtraHTTPHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token } });
        var result = await (await api.GetAsync($"{url}/api/runs/{run}/result")).TextAsync();
        Assert.Contains("\"top1Loc\"", result);
        Assert.DoesNotContain("\"perClassGtKnownLoc\":{\"", result);
        var compare = await api.GetAsync($"{url}/api/compare?runs={run},1"); // with the demo run, which everyone can read
        Assert.Equal(400, compare.Status);
        Assert.Contains("hidden ground truth", await compare.TextAsync());

        await participant.GotoAsync($"{url}/runs/{run}");
        await BrowserFlowTests.LiveAsync(participant);
        await participant.ClickAsync("#create-share");
        var link = (await participant.Locator("#share-link").TextContentAsync())!.Trim();
        var stranger = await (await browser.NewContextAsync()).NewPageAsync();
        await stranger.GotoAsync(link);
        await Assertions.Expect(stranger.GetByText("read-only shared result")).ToBeVisibleAsync();
        await Assertions.Expect(stranger.GetByText("Top-1 Loc").First).ToBeVisibleAsync();
        await Assertions.Expect(stranger.Locator("img[alt='CAM heatmap']").First).ToBeVisibleAsync(); // the image rows are there
        Assert.Equal(0, await stranger.GetByText(new Regex(@"IoU \d\.\d{3}")).CountAsync());
        Assert.Equal(200, (await stranger.Context.APIRequest.GetAsync(link + "/images/0/photo.jpg")).Status);
        Assert.DoesNotContain("\"perClassGtKnownLoc\":{\"", await (await stranger.Context.APIRequest.GetAsync(link + "/result.json")).TextAsync());
    }
}
