using System.IO.Compression;
using Microsoft.Playwright;

namespace InfoCamWeb.E2E;

/// <summary>
/// Hostile files through the real file inputs of a real browser: each is refused with a message that names what is
/// wrong and where, nothing is stored or left behind, and the app keeps serving.
/// </summary>
public class HostileUploadTests
{
    private static byte[] Zip(params (string Name, byte[] Data)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                using var s = zip.CreateEntry(name).Open();
                s.Write(data);
            }
        }
        return ms.ToArray();
    }

    /// <summary>The demo dataset as a zip, with one annotation file replaced.</summary>
    private static byte[] DemoZip(string file, Func<string, string> edit)
    {
        var demo = Path.Combine(AppProcess.RepoRoot, "datasets", "demo-cub");
        var entries = Directory.GetFiles(demo, "*", SearchOption.AllDirectories).Select(path =>
        {
            var name = "cub/" + Path.GetRelativePath(demo, path).Replace('\\', '/');
            var data = name == "cub/" + file ? System.Text.Encoding.UTF8.GetBytes(edit(File.ReadAllText(path))) : File.ReadAllBytes(path);
            return (name, data);
        }).ToArray();
        return Zip(entries);
    }

    [SkippableFact]
    public async Task Hostile_models_and_archives_uploaded_in_the_browser_are_refused_with_clear_messages_and_leave_nothing()
    {
        Skip.IfNot(File.Exists(BrowserFlowTests.Chromium), $"{BrowserFlowTests.Chromium} is not installed (apt-get install chromium); .ci/run installs it.");
        await using var app = await AppProcess.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserFlowTests.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        await BrowserFlowTests.RegisterWithTeamAsync(page, app.Url, "mallory");
        var files = Path.Combine(app.Root, "hostile");
        Directory.CreateDirectory(files);
        var data = Path.Combine(app.Root, "data");
        static int Entries(string folder) => Directory.Exists(folder) ? Directory.GetFileSystemEntries(folder).Length : 0;
        var datasetsBefore = Entries(Path.Combine(data, "datasets"));
        var modelsBefore = Entries(Path.Combine(data, "models"));

        // A PNG renamed .onnx.
        var png = Path.Combine(files, "model.onnx");
        await File.WriteAllBytesAsync(png, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R']);
        await page.GotoAsync(app.Url + "/models");
        await BrowserFlowTests.LiveAsync(page);
        await page.SetInputFilesAsync("#model-file", png);
        await Assertions.Expect(page.Locator("#upload-error")).ToContainTextAsync("not an ONNX model");

        // A 7-Zip archive named .zip, a traversal entry, and a box with NaN width.
        var cases = new (string Name, byte[] Bytes, string Selector, string Expected)[]
        {
            ("seven.zip", [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0, 4, .. new byte[600]], "#dataset-error", "'seven.zip' is a 7-Zip archive"),
            ("evil.zip", Zip(("cub/images.txt", [1]), ("cub/../../evil.txt", [2])), "#dataset-error", "Entry 'cub/../../evil.txt' has an empty, '.' or '..' path segment."),
            ("nan.zip", DemoZip("bounding_boxes.txt", t => t.Replace("1 0.0 37.0 103.0 99.0", "1 0.0 37.0 NaN 99.0")), "#dataset-problems",
                "bounding_boxes.txt, line 1, width: 'NaN' is not a finite number."),
        };
        foreach (var (name, bytes, selector, expected) in cases)
        {
            var path = Path.Combine(files, name);
            await File.WriteAllBytesAsync(path, bytes);
            await page.GotoAsync(app.Url + "/datasets");
            await BrowserFlowTests.LiveAsync(page);
            await page.SetInputFilesAsync("#dataset-file", path);
            await Assertions.Expect(page.Locator(selector)).ToContainTextAsync(expected);
        }

        // Nothing stored, nothing left behind, and the app still serves its pages.
        Assert.Equal(datasetsBefore, Entries(Path.Combine(data, "datasets")));
        Assert.Equal(modelsBefore, Entries(Path.Combine(data, "models")));
        Assert.Equal(0, Entries(Path.Combine(data, "uploads")));
        await page.GotoAsync(app.Url + "/datasets");
        await Assertions.Expect(page.GetByText("Demo finches (CUB format)")).ToBeVisibleAsync();
    }

    [SkippableFact]
    public async Task A_browser_that_goes_away_mid_upload_leaves_no_temporary_file_and_no_model()
    {
        Skip.IfNot(File.Exists(BrowserFlowTests.Chromium), $"{BrowserFlowTests.Chromium} is not installed (apt-get install chromium); .ci/run installs it.");
        await using var app = await AppProcess.StartAsync(new Dictionary<string, string> { ["InfoCam__Uploads__StallSeconds"] = "5" });
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserFlowTests.LaunchAsync(playwright);
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        await BrowserFlowTests.RegisterWithTeamAsync(page, app.Url, "walter");
        var big = Path.Combine(app.Root, "big.onnx");
        await File.WriteAllBytesAsync(big, new byte[64 << 20]);
        var uploads = Path.Combine(app.Root, "data", "uploads");
        var stored = Path.Combine(app.Root, "data", "models");
        int storedBefore = Directory.Exists(stored) ? Directory.GetDirectories(stored).Length : 0;
        await page.GotoAsync(app.Url + "/models");
        await BrowserFlowTests.LiveAsync(page);
        await page.SetInputFilesAsync("#model-file", big);
        // Once the upload is streaming into its temporary file, the browser goes away.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(Directory.Exists(uploads) && Directory.GetFiles(uploads).Length > 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "the upload did not start");
            await Task.Delay(20);
        }
        long received = new FileInfo(Directory.GetFiles(uploads)[0]).Length;
        await context.CloseAsync();
        Assert.True(received < 64 << 20, $"the upload had already finished ({received} bytes) when the browser went away");
        deadline = DateTime.UtcNow.AddSeconds(60);
        while (Directory.GetFiles(uploads).Length > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the temporary file of the abandoned upload is still there");
            await Task.Delay(200);
        }
        // No model was stored, and the app serves the next visitor.
        using var http = new HttpClient();
        var models = await http.GetStringAsync(app.Url + "/models");
        Assert.Contains("Demo CNN", models);
        Assert.Equal(storedBefore, Directory.Exists(stored) ? Directory.GetDirectories(stored).Length : 0);
    }
}
