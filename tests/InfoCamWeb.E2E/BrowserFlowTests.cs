using System.IO.Compression;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace InfoCamWeb.E2E;

/// <summary>
/// A user in Debian's Chromium against the real app: upload the demo model and dataset through the real file inputs,
/// start a run, watch it reach 100 %, read the result and the image browser. Screenshots go to docs/screenshots/.
/// Reported as skipped when /usr/bin/chromium is absent.
/// </summary>
public class BrowserFlowTests
{
    internal const string Chromium = "/usr/bin/chromium";

    internal static async Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });

    /// <summary>Registers through the real form, then creates a team on the Teams page (the user then acts for it).</summary>
    internal static async Task RegisterWithTeamAsync(IPage page, string url, string name)
    {
        await page.GotoAsync(url + "/account/register");
        await page.FillAsync("#name", name);
        await page.FillAsync("#email", $"{name}@example.org");
        await page.FillAsync("#password", "correct horse battery");
        await page.ClickAsync("#register-submit");
        await page.WaitForURLAsync(new Regex("/teams$"));
        await CreateTeamAsync(page, url, $"Team {name}");
    }

    /// <summary>
    /// Creates a team on the Teams page. A click can be lost when the machine is loaded (seen once in CI, with the web
    /// tests running beside): then the page is read again from the server, and the click repeated only if no team of that
    /// name exists (the server refuses a second team of one name anyway: a unique index).
    /// </summary>
    private static async Task CreateTeamAsync(IPage page, string url, string team)
    {
        var acting = page.GetByText("acting for this team");
        for (int attempt = 1; ; attempt++)
        {
            await LiveAsync(page);
            await page.Locator("#team-name").FillAsync(team);
            await page.Keyboard.PressAsync("Tab");
            await page.ClickAsync("#create-team");
            try
            {
                await acting.WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 20_000 });
                return;
            }
            catch (PlaywrightException) when (attempt < 3)
            {
                await page.GotoAsync(url + "/teams");
                await LiveAsync(page);
                if (await page.GetByText(team, new() { Exact = true }).CountAsync() > 0)
                {
                    // Created by the slow click; acting for it follows in the same request, so read the page once more if needed.
                    if (!await acting.IsVisibleAsync())
                    {
                        await page.GotoAsync(url + "/teams");
                    }
                    await Assertions.Expect(acting).ToBeVisibleAsync(new() { Timeout = 30_000 });
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Waits until the Blazor circuit is connected, so clicks and file inputs reach the server. File inputs also wait for
    /// Blazor's InputFile to attach its change listener (after its first interactive render, a round trip later): a file
    /// set before that is silently lost.
    /// </summary>
    internal static async Task LiveAsync(IPage page)
    {
        await page.Locator("#interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });
        await page.WaitForFunctionAsync(
            "() => Array.from(document.querySelectorAll('input[type=file]')).every(i => i._blazorInputFileNextFileId !== undefined)",
            null, new() { Timeout = 30_000 });
    }

    [SkippableFact]
    public async Task Upload_model_and_dataset_run_watch_progress_and_read_results_in_a_real_browser()
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed (apt-get install chromium); .ci/run installs it.");
        await using var app = await AppProcess.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 1000 } });
        page.SetDefaultTimeout(60_000);
        await RegisterWithTeamAsync(page, app.Url, "ada");

        // Model upload through the real file input.
        await page.GotoAsync(app.Url + "/models");
        await LiveAsync(page);
        await page.GetByLabel("Name").First.FillAsync("Uploaded demo CNN");
        await page.Keyboard.PressAsync("Tab");
        await page.SetInputFilesAsync("#model-file", Path.Combine(AppProcess.RepoRoot, "datasets", "demo-model", "demo-cnn.onnx"));
        await page.WaitForURLAsync(new Regex(@"/models/\d+$"));
        int modelId = int.Parse(page.Url.Split('/')[^1]);
        await Assertions.Expect(page.GetByText("GlobalAveragePool -> Flatten -> Gemm(transB=1)")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Uploaded demo CNN" })).ToBeVisibleAsync();

        // A file that is not a model is refused with the engine's message.
        await page.GotoAsync(app.Url + "/models");
        await LiveAsync(page);
        var junk = Path.Combine(app.Root, "junk.onnx");
        Directory.CreateDirectory(app.Root);
        await File.WriteAllBytesAsync(junk, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        await page.SetInputFilesAsync("#model-file", junk);
        await Assertions.Expect(page.Locator("#upload-error")).ToContainTextAsync("not an ONNX model");

        // Dataset upload: the demo dataset as a zip.
        var zip = Path.Combine(app.Root, "finches.zip");
        ZipFile.CreateFromDirectory(Path.Combine(AppProcess.RepoRoot, "datasets", "demo-cub"), zip, CompressionLevel.Fastest, includeBaseDirectory: true);
        await page.GotoAsync(app.Url + "/datasets");
        await LiveAsync(page);
        await page.SetInputFilesAsync("#dataset-file", zip);
        await page.WaitForURLAsync(new Regex(@"/datasets/\d+$"));
        int datasetId = int.Parse(page.Url.Split('/')[^1]);
        await Assertions.Expect(page.GetByText("320").First).ToBeVisibleAsync();

        // New run with the uploaded model and dataset.
        await page.GotoAsync($"{app.Url}/runs/new?model={modelId}&dataset={datasetId}");
        await LiveAsync(page);
        await page.ClickAsync("#start-run");
        await page.WaitForURLAsync(new Regex(@"/runs/\d+$"));
        // Live progress until the run has succeeded (the page updates by itself).
        await Assertions.Expect(page.GetByText("succeeded")).ToBeVisibleAsync(new() { Timeout = 180_000 });
        await Assertions.Expect(page.GetByText("Top-1 Loc")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("BoxAcc (IoU ≥ 0.5) against the CAM threshold")).ToBeVisibleAsync();
        var docs = Path.Combine(AppProcess.RepoRoot, "docs", "screenshots");
        Directory.CreateDirectory(docs);
        await page.ScreenshotAsync(new() { Path = Path.Combine(docs, "run-result.png"), FullPage = false });

        // Image browser with heatmaps.
        await page.GetByText("Image browser").ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/runs/\d+/images$"));
        var firstHeatmap = page.Locator("img[alt='infoCAM+ heatmap']").First;
        await Assertions.Expect(firstHeatmap).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('img')].slice(0, 8).every(i => i.complete && i.naturalWidth > 0)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(docs, "image-browser.png"), FullPage = false });

        // Paging from the bottom of the list starts the next page at its top.
        await page.EvaluateAsync("() => window.scrollTo(0, document.body.scrollHeight)");
        await page.WaitForFunctionAsync("() => window.scrollY > 500");
        await page.Locator(".mud-pagination-item button", new() { HasText = "2" }).First.ClickAsync();
        await page.WaitForFunctionAsync("() => window.scrollY < 200");
    }

    [SkippableFact]
    public async Task Progress_is_shown_live_while_a_run_is_in_progress()
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed (apt-get install chromium); .ci/run installs it.");
        await using var app = await AppProcess.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        await RegisterWithTeamAsync(page, app.Url, "grace");
        // A slower run (all images, fine threshold step, small batches) so the page shows it in progress.
        await page.GotoAsync(app.Url + "/runs/new");
        await LiveAsync(page);
        // With no method chosen the form cannot start a run: the button is off and says why.
        foreach (var method in new[] { "CAM", "infoCAM", "infoCAM+" }) await page.GetByLabel(method, new() { Exact = true }).UncheckAsync();
        await Assertions.Expect(page.Locator("#start-run")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("#start-blocked")).ToHaveTextAsync("Choose at least one method.");
        foreach (var method in new[] { "CAM", "infoCAM", "infoCAM+" }) await page.GetByLabel(method, new() { Exact = true }).CheckAsync();
        // The CAM family is offered in a group of its own; one of it joins the run.
        await Assertions.Expect(page.Locator("[data-testid=method-group-family] input[type=checkbox]")).ToHaveCountAsync(7);
        await page.GetByLabel("Grad-CAM++", new() { Exact = true }).CheckAsync();
        // Score-CAM says what it costs before the run starts (the demo model has 128 channels, its test split 160 images).
        await page.GetByLabel("Score-CAM", new() { Exact = true }).CheckAsync();
        await Assertions.Expect(page.Locator("#scorecam-cost")).ToContainTextAsync("160 images x 128 channels = 20,480 forward passes");
        await page.GetByLabel("Score-CAM", new() { Exact = true }).UncheckAsync();
        await Assertions.Expect(page.Locator("#scorecam-cost")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#start-run")).ToBeEnabledAsync();
        await page.GetByLabel("Threshold step").FillAsync("0.001");
        await page.GetByLabel("Batch size").FillAsync("2");
        await page.ClickAsync("#start-run");
        await page.WaitForURLAsync(new Regex(@"/runs/\d+$"));
        await Assertions.Expect(page.GetByText(new Regex(@"\d+ / 160 images"))).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await Assertions.Expect(page.GetByText("succeeded")).ToBeVisibleAsync(new() { Timeout = 240_000 });
        await Assertions.Expect(page.Locator("img[alt='Grad-CAM++ heatmap'], th:has-text('Grad-CAM++')").First).ToBeVisibleAsync();
    }
}
