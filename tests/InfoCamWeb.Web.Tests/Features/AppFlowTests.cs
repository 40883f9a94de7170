using System.Net;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Features;
using InfoCamWeb.Web.Features.Datasets;
using InfoCamWeb.Web.Features.Models;
using InfoCamWeb.Web.Features.Runs;
using InfoCamWeb.Web.Jobs;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Tests.Features;

[Collection(WebAppCollection.Name)]
public class AppFlowTests(WebAppFixture app)
{
    private static string Demo(params string[] parts) => Path.Combine([WebAppFixture.RepoRoot, "datasets", .. parts]);

    [Fact]
    public async Task First_start_registers_the_demo_and_the_home_page_shows_its_finished_run()
    {
        var run = await app.DemoRunAsync();
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(160, run.ImagesDone);
        var html = await app.CreateClient().GetStringAsync("/");
        Assert.Contains("Demo CNN", html);
        Assert.Contains("Demo finches", html);
        var result = ResultFiles.FromJson(run.ResultJson!);
        Assert.Contains(RunService.Percent(result.Methods["infocam+"].Top1Loc), html);
    }

    [Fact]
    public async Task The_demo_run_in_the_worker_gives_the_numbers_of_the_reference_pipeline()
    {
        var run = await app.DemoRunAsync();
        var result = ResultFiles.FromJson(run.ResultJson!);
        using var reference = System.Text.Json.JsonDocument.Parse(File.ReadAllText(
            Path.Combine(WebAppFixture.RepoRoot, "tests", "InfoCamWeb.Core.Tests", "Evaluation", "demo-reference.json")));
        foreach (var method in reference.RootElement.GetProperty("methods").EnumerateObject())
        {
            Assert.Equal(method.Value.GetProperty("gtKnownLoc").GetDouble(), result.Methods[method.Name].GtKnownLoc, 9);
            Assert.Equal(method.Value.GetProperty("maxBoxAccV2").GetDouble(), result.Methods[method.Name].MaxBoxAccV2, 9);
        }
    }

    [Fact]
    public async Task Result_json_and_per_image_csv_can_be_downloaded()
    {
        var run = await app.DemoRunAsync();
        var client = app.CreateClient();
        var json = await client.GetStringAsync($"/runs/{run.Id}/result.json");
        Assert.Equal(160, ResultFiles.FromJson(json).Images);
        var csv = (await client.GetStringAsync($"/runs/{run.Id}/images.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(161, csv.Length);
        Assert.StartsWith("image_id,gt,pred,cam_x0", csv[0]);
        Assert.EndsWith(",infocam+_iou,gt_name,pred_name", csv[0]);
        // The class names next to the labels: every row names its true class as the dataset does.
        var dataset = InfoCamWeb.Core.Datasets.DatasetLoader.Load(Path.Combine(WebAppFixture.RepoRoot, "datasets", "demo-cub"));
        var nameOf = dataset.ClassLabels.Zip(dataset.ClassNames).ToDictionary(p => p.First, p => p.Second);
        Assert.All(csv.Skip(1).Select(l => l.Split(',')), cells => Assert.Equal(nameOf[cells[1]], cells[^2]));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/runs/9999/result.json")).StatusCode);
    }

    [Fact]
    public async Task An_uploaded_model_is_inspected_and_a_file_that_is_not_a_model_is_refused_leaving_nothing_behind()
    {
        var actor = await app.NewTeamMemberAsync();
        var models = app.Get<ModelService>();
        await using (var file = File.OpenRead(Demo("demo-model", "bench-200.onnx")))
        {
            var ok = await models.UploadAsync(actor, file, "bench-200.onnx", "", "", 1L << 30);
            Assert.Null(ok.Error);
            var record = await models.GetAsync(actor, ok.ModelId!.Value);
            Assert.Equal(200, record!.Classes);
            Assert.Equal("GlobalAveragePool -> Flatten -> Gemm(transB=1)", record.HeadPattern);
            Assert.Equal("bench-200", record.Name);
        }
        var paths = app.Get<InfoCamWeb.Data.InfoCamPaths>();
        int storedBefore = Directory.GetDirectories(paths.ModelsFolder).Length;
        using var garbage = new MemoryStream([0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0, 0, 0]);
        var refused = await models.UploadAsync(actor, garbage, "photo.onnx", "", "", 1L << 30);
        Assert.Null(refused.ModelId);
        Assert.Equal("The file is a PNG image, not an ONNX model.", refused.Error);
        Assert.Equal(storedBefore, Directory.GetDirectories(paths.ModelsFolder).Length);
        Assert.Empty(Directory.GetFiles(paths.UploadsFolder));

        using var big = new MemoryStream(new byte[5000]);
        var tooBig = await models.UploadAsync(actor, big, "big.onnx", "", "", 4096);
        Assert.Contains("larger than the model size limit", tooBig.Error!.Message);
        Assert.Equal(ErrorKind.TooLarge, tooBig.Error.Kind);
        Assert.Empty(Directory.GetFiles(paths.UploadsFolder));
    }

    [Fact]
    public async Task A_200_class_model_runs_on_the_8_class_demo_and_the_form_says_how_many_classes_it_uses()
    {
        var actor = await app.NewTeamMemberAsync();
        int modelId;
        await using (var file = File.OpenRead(Demo("demo-model", "bench-200.onnx")))
        {
            modelId = (await app.Get<ModelService>().UploadAsync(actor, file, "bench-200.onnx", "bench", "", 1L << 30)).ModelId!.Value;
        }
        var dataset = (await app.Get<DatasetService>().ListAsync(actor)).First(d => d.IsDemo);
        var runs = app.Get<RunService>();
        Assert.Equal(new ClassFit(null, "The test split uses 8 of the model's 200 classes."), await runs.ClassFitAsync(200, dataset, "test"));
        var created = await runs.CreateAsync(actor, new RunRequest { ModelId = modelId, DatasetId = dataset.Id, Methods = ["cam"] });
        var run = await app.WaitForRunAsync(created.RunId!.Value);
        Assert.Equal(RunStatus.Succeeded, run.Status);

        // The run page says it; the per-image CSV names predicted classes the dataset does not have by their label.
        var client = await app.SignedInClientAsync(actor);
        var page = await client.GetStringAsync($"/runs/{run.Id}");
        Assert.Contains("(uses 8 of the model&#x27;s 200 classes)", page);
        var rows = (await client.GetStringAsync($"/runs/{run.Id}/images.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(160, rows.Count);
        await using var db = await app.Db.CreateDbContextAsync();
        var outcomes = await db.RunImages.Where(i => i.RunId == run.Id).Select(i => i.Outcome).ToListAsync();
        var predicted = outcomes.Select(o => Core.Evaluation.OutcomeCodec.Decode(o).PredictedClass).ToHashSet();
        Assert.Equal(predicted.Select(c => (c + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(), rows.Select(r => r[2]).Distinct().Order());
    }

    [Fact]
    public async Task A_run_with_its_own_maxboxaccv2_iou_list_averages_over_it_and_shows_one_row_per_iou()
    {
        var demo = await app.DemoRunAsync();
        var actor = await app.NewTeamMemberAsync();
        var runs = app.Get<RunService>();
        var refused = await runs.CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, IouThresholds = [50, 0] });
        Assert.Equal("--iou-thresholds: 0 is not a percentage from 1 to 100.", refused.Error?.Message);
        var created = await runs.CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, Methods = ["cam"], IouThresholds = [90, 50] });
        var run = await app.WaitForRunAsync(created.RunId!.Value);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        var result = RunService.Result(run)!;
        var baseline = RunService.Result(demo)!.Methods["cam"];
        var cam = result.Methods["cam"];
        Assert.Equal([50, 90], result.Settings.MultiIoUs!);
        Assert.Equal(["50", "90"], cam.MaxBoxAccV2ByIou.Keys);
        Assert.Equal(baseline.MaxBoxAccV2ByIou["50"], cam.MaxBoxAccV2ByIou["50"]);
        Assert.Equal((cam.MaxBoxAccV2ByIou["50"] + cam.MaxBoxAccV2ByIou["90"]) / 2, cam.MaxBoxAccV2, 12);
        var page = await (await app.SignedInClientAsync(actor)).GetStringAsync($"/runs/{run.Id}");
        Assert.Contains(">IoU 90<", page);
        Assert.DoesNotContain(">IoU 30<", page);

        // Published, it is ranked by GT-known Loc but left out of a MaxBoxAccV2 ranking (a mean over another list).
        Assert.Null(await runs.PublishAsync(actor, run.Id, true));
        var boards = app.Get<InfoCamWeb.Web.Features.Leaderboard.LeaderboardService>();
        var key = new InfoCamWeb.Web.Features.Leaderboard.BoardKey(demo.DatasetId, "test", "resize224");
        Assert.Contains((await boards.BoardAsync(key, Core.Evaluation.RankingMetric.GtKnownLoc, "cam", true))!.Rows, r => r.RunId == run.Id);
        Assert.DoesNotContain((await boards.BoardAsync(key, Core.Evaluation.RankingMetric.MaxBoxAccV2, "cam", true))!.Rows, r => r.RunId == run.Id);
        // PxAP asked of a box board ranks by the board's default instead of scoring every row 0.
        Assert.Equal(Core.Evaluation.RankingMetric.Top1Loc, (await boards.BoardAsync(key, Core.Evaluation.RankingMetric.Pxap, "best", false))!.Metric);
        Assert.Null(await runs.PublishAsync(actor, run.Id, false));
    }

    [Fact]
    public async Task A_mask_dataset_registers_runs_and_shows_pxap_on_the_run_page_and_in_the_json()
    {
        var actor = await app.NewTeamMemberAsync();
        var folder = Path.Combine(WebAppFixture.RepoRoot, "datasets", "tmp-masks-" + Guid.NewGuid().ToString("N"));
        try
        {
            Core.Datasets.DemoDataset.WriteMaskDemo(folder, 8, 3);
            var registered = await app.Get<DatasetService>().RegisterServerFolderAsync(actor, folder, "masks", "");
            Assert.True(registered.Ok, registered.Error?.Message);
            var dataset = (await app.Get<DatasetService>().ListAsync(actor)).First(d => d.Name == "masks");
            Assert.Equal(16, dataset.ValImages);   // i % 4 == 3 of 8 per class
            Assert.InRange(dataset.Masks, 64, 128); // one bird each, a fledgling in some
            Assert.Equal(0, dataset.Boxes);
            var model = (await app.Get<ModelService>().ListAsync(actor)).First(m => m.IsDemo);
            var cropped = await app.Get<RunService>().CreateAsync(actor, new RunRequest { ModelId = model.Id, DatasetId = dataset.Id, Protocol = "resize256crop224" });
            Assert.Equal("'masks' has mask ground truth: it is evaluated with the resize224 protocol, as wsolevaluation does (resize256crop224 would crop the masks).", cropped.Error?.Message);
            var created = await app.Get<RunService>().CreateAsync(actor, new RunRequest { ModelId = model.Id, DatasetId = dataset.Id, IouThresholds = null });
            var run = await app.WaitForRunAsync(created.RunId!.Value);
            Assert.Equal(RunStatus.Succeeded, run.Status);
            var result = RunService.Result(run)!;
            Assert.Equal("masks", result.Dataset.GroundTruth);
            Assert.All(result.Methods.Values, m => Assert.InRange(m.Pxap!.Value, 0, 100));
            var client = await app.SignedInClientAsync(actor);
            Assert.Contains(">PxAP<", await client.GetStringAsync($"/runs/{run.Id}"));
            Assert.Contains("\"pxap\"", await client.GetStringAsync($"/runs/{run.Id}/result.json"));
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/runs/{run.Id}/images")).StatusCode);
            Assert.Contains("instance masks (PxAP)", await client.GetStringAsync($"/datasets/{dataset.Id}"));
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/runs/{run.Id}/images/0/photo.jpg")).StatusCode);

            // Published, it ranks by PxAP on its board unless another metric is asked for.
            Assert.Null(await app.Get<RunService>().PublishAsync(actor, run.Id, true));
            var key = new InfoCamWeb.Web.Features.Leaderboard.BoardKey(dataset.Id, "test", "resize224");
            var board = (await app.Get<InfoCamWeb.Web.Features.Leaderboard.LeaderboardService>().BoardAsync(key, null, "best", false))!;
            Assert.True(board.Masks);
            Assert.Equal(Core.Evaluation.RankingMetric.Pxap, board.Metric);
            var row = Assert.Single(board.Rows);
            Assert.Equal(result.Methods.Values.Max(m => m.Pxap!.Value), row.Score);
            Assert.Equal(row.Score, row.Pxap);
            Assert.InRange(row.Score, row.CiLow, row.CiHigh);
            Assert.True(row.CiHigh > row.CiLow);
            var csv = await client.GetStringAsync($"/leaderboards/{dataset.Id}/test/resize224.csv");
            Assert.Contains(",pxap,", csv.Split('\n')[0]);
            Assert.Equal(Core.Evaluation.RankingMetric.GtKnownLoc,
                (await app.Get<InfoCamWeb.Web.Features.Leaderboard.LeaderboardService>().BoardAsync(key, Core.Evaluation.RankingMetric.GtKnownLoc, "best", false))!.Metric);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_run_whose_dataset_has_a_label_the_model_has_no_output_for_is_refused_with_its_line_before_it_is_queued()
    {
        var actor = await app.NewTeamMemberAsync();
        var folder = Path.Combine(WebAppFixture.RepoRoot, "datasets", "tmp-beyond-" + Guid.NewGuid().ToString("N"));
        try
        {
            var demo = Core.Datasets.DatasetLoader.Load(Demo("demo-cub"));
            Core.Datasets.CubSubset.Write(demo, [1, 2], folder);
            File.AppendAllText(Path.Combine(folder, "classes.txt"), "9 009.extra\n");
            var labels = File.ReadAllLines(Path.Combine(folder, "image_class_labels.txt"));
            labels[2] = labels[2].Split(' ')[0] + " 9";
            File.WriteAllLines(Path.Combine(folder, "image_class_labels.txt"), labels);
            var registered = await app.Get<DatasetService>().RegisterServerFolderAsync(actor, folder, "beyond", "");
            Assert.True(registered.Ok, registered.Error?.Message);
            var dataset = (await app.Get<DatasetService>().ListAsync(actor)).First(d => d.Name == "beyond");
            var model = (await app.Get<ModelService>().ListAsync(actor)).First(m => m.IsDemo);
            await using var db = await app.Db.CreateDbContextAsync();
            int before = await db.Runs.CountAsync();
            var created = await app.Get<RunService>().CreateAsync(actor, new RunRequest { ModelId = model.Id, DatasetId = dataset.Id });
            Assert.Null(created.RunId);
            const string expected = "image_class_labels.txt, line 3: label 9 is model output 8, but the model has 8 outputs (1..8 in the dataset's labels). " +
                "Choose a model trained on these classes, or leave those images out of the dataset.";
            Assert.Equal(expected, created.Error?.Message);
            Assert.Equal(expected, (await app.Get<RunService>().ClassFitAsync(8, dataset, "test")).Refusal);
            Assert.Equal(before, await db.Runs.CountAsync());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_dataset_folder_outside_the_allowed_roots_is_refused_and_a_broken_one_lists_its_problems()
    {
        var actor = await app.NewTeamMemberAsync();
        var datasets = app.Get<DatasetService>();
        var outside = await datasets.RegisterServerFolderAsync(actor, "/etc", "etc", "");
        Assert.False(outside.Ok);
        Assert.Contains("is not under a folder the server allows", outside.Error!.Message);

        var broken = Path.Combine(WebAppFixture.RepoRoot, "datasets", "tmp-broken-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(Path.Combine(broken, "images"));
            File.WriteAllText(Path.Combine(broken, "images.txt"), "1 a.jpg\n");
            File.WriteAllText(Path.Combine(broken, "classes.txt"), "1 a\n2 b\n");
            File.WriteAllText(Path.Combine(broken, "image_class_labels.txt"), "1 3\n");
            File.WriteAllText(Path.Combine(broken, "bounding_boxes.txt"), "1 0 0 1 1\n");
            File.WriteAllText(Path.Combine(broken, "train_test_split.txt"), "1 0\n");
            var result = await datasets.RegisterServerFolderAsync(actor, broken, "broken", "");
            Assert.False(result.Ok);
            Assert.Contains(result.Problems, p => p.ToString() == "images.txt, line 1, path: images/a.jpg does not exist.");
            Assert.Contains(result.Problems, p => p.ToString() == "image_class_labels.txt, line 1, class id: 3 is not in classes.txt (classes 1..2).");
        }
        finally
        {
            Directory.Delete(broken, recursive: true);
        }
    }

    [Fact]
    public async Task Killing_the_worker_mid_run_resumes_the_run_without_counting_an_image_twice()
    {
        var actor = await app.NewTeamMemberAsync();
        var demo = await app.DemoRunAsync();
        var created = await app.Get<RunService>().CreateAsync(actor,
            new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, BatchSize = 4 });
        Assert.NotNull(created.RunId);
        int id = created.RunId!.Value;
        var supervisor = app.Get<WorkerSupervisor>();
        int startsBefore = supervisor.Starts;
        await app.WaitForRunAsync(id, r => r.ImagesDone >= 8 || r.Status is RunStatus.Succeeded or RunStatus.Failed);
        supervisor.Kill();
        var run = await app.WaitForRunAsync(id);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.True(supervisor.Starts > startsBefore, "the worker was not restarted");
        await using var db = await app.Db.CreateDbContextAsync();
        Assert.Equal(160, await db.RunImages.CountAsync(i => i.RunId == id));
        var resumed = ResultFiles.FromJson(run.ResultJson!);
        var uninterrupted = ResultFiles.FromJson(demo.ResultJson!);
        Assert.Equal(ResultFiles.ToJson(uninterrupted with { Seconds = resumed.Seconds, Model = resumed.Model }), ResultFiles.ToJson(resumed with { Model = resumed.Model }));
    }

    [Fact]
    public async Task A_queued_run_can_be_cancelled()
    {
        var actor = await app.NewTeamMemberAsync();
        var demo = await app.DemoRunAsync();
        var runs = app.Get<RunService>();
        // Two runs: the second waits behind the first, so it is still queued when cancelled.
        var first = await runs.CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, Split = "all" });
        var second = await runs.CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId });
        Assert.Null(await runs.CancelAsync(actor, second.RunId!.Value));
        var cancelled = await app.WaitForRunAsync(second.RunId!.Value);
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        Assert.Null(await runs.CancelAsync(actor, first.RunId!.Value));
        var stopped = await app.WaitForRunAsync(first.RunId!.Value);
        Assert.Equal(RunStatus.Cancelled, stopped.Status);
    }
}

[Collection(WebAppCollection.Name)]
public class DatasetUploadTests(WebAppFixture app)
{
    [Fact]
    public async Task The_demo_dataset_uploaded_as_a_zip_is_extracted_validated_and_registered()
    {
        var actor = await app.NewTeamMemberAsync();
        var zip = Path.Combine(app.Root, "demo.zip");
        System.IO.Compression.ZipFile.CreateFromDirectory(Path.Combine(WebAppFixture.RepoRoot, "datasets", "demo-cub"), zip, System.IO.Compression.CompressionLevel.Fastest, includeBaseDirectory: true);
        await using var stream = File.OpenRead(zip);
        var result = await app.Get<DatasetService>().UploadArchiveAsync(actor, stream, "demo-cub.zip", "", "", 1L << 30);
        Assert.True(result.Ok, result.Error?.Message ?? result.Problems.FirstOrDefault()?.ToString());
        var record = await app.Get<DatasetService>().GetAsync(actor, result.DatasetId!.Value);
        Assert.Equal("demo-cub", record!.Name);
        Assert.Equal(320, record.Images);
        Assert.Equal(8, record.Classes);
        // Stored relative to the storage root, so workers that mount it elsewhere find it.
        Assert.StartsWith("datasets/", record.Folder);
        Assert.StartsWith(app.Get<InfoCamWeb.Data.InfoCamPaths>().DatasetsFolder, app.Get<InfoCamWeb.Data.InfoCamPaths>().FromStored(record.Folder));
    }

    [Fact]
    public async Task A_hostile_or_invalid_archive_is_refused_and_leaves_no_files_and_no_record()
    {
        var actor = await app.NewTeamMemberAsync();
        var paths = app.Get<InfoCamWeb.Data.InfoCamPaths>();
        var datasets = app.Get<DatasetService>();
        int recordsBefore = (await datasets.ListAsync(actor)).Count;
        int foldersBefore = Directory.Exists(paths.DatasetsFolder) ? Directory.GetDirectories(paths.DatasetsFolder).Length : 0;

        using var evil = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(evil, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            using var s = zip.CreateEntry("../evil.txt").Open();
            s.Write("x"u8);
        }
        evil.Position = 0;
        var refused = await datasets.UploadArchiveAsync(actor, evil, "evil.zip", "", "", 1L << 30);
        Assert.Equal("Entry '../evil.txt' has an empty, '.' or '..' path segment.", refused.Error);

        using var notCub = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(notCub, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            using var s = zip.CreateEntry("readme.txt").Open();
            s.Write("hello"u8);
        }
        notCub.Position = 0;
        var invalid = await datasets.UploadArchiveAsync(actor, notCub, "x.zip", "", "", 1L << 30);
        Assert.False(invalid.Ok);
        Assert.Contains("is neither a CUB_200_2011 folder", invalid.Problems.Single().Message);

        Assert.Equal(recordsBefore, (await datasets.ListAsync(actor)).Count);
        Assert.Equal(foldersBefore, Directory.GetDirectories(paths.DatasetsFolder).Length);
        Assert.Empty(Directory.GetFiles(paths.UploadsFolder));
        Assert.False(File.Exists(Path.Combine(paths.DatasetsFolder, "evil.txt")));
    }
}

[Collection(WebAppCollection.Name)]
public class ImageBrowserTests(WebAppFixture app)
{
    [Fact]
    public async Task Heatmaps_and_the_photo_are_served_as_jpeg_and_cached_together()
    {
        var run = await app.DemoRunAsync();
        var client = app.CreateClient();
        var folder = Path.Combine(app.Get<InfoCamWeb.Data.InfoCamPaths>().CacheFolder, "runs", run.Id.ToString());
        // An image off the first page, which is rendered ahead of time when the run ends.
        var first = (await app.Get<InfoCamWeb.Web.Features.Images.ImageBrowserService>().QuerySharedAsync(run.Id, new()))!.Rows.Select(r => r.Index).ToHashSet();
        int index = Enumerable.Range(0, 160).First(i => !first.Contains(i));
        // A view no run can have is refused before any rendering.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/runs/{run.Id}/images/{index}/nosuchcam.jpg")).StatusCode);
        Assert.False(Directory.Exists(folder) && Directory.GetFiles(folder, $"{index}-*").Length > 0, "An unknown view started a render.");
        var response = await client.GetAsync($"/runs/{run.Id}/images/{index}/cam.jpg");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // One request renders every view of the image: the others are on disk before anyone asks for them.
        // Each view comes large (twice the frame, for the detail view and dense screens) and small (the frame, for the grid).
        var kinds = new[] { "photo", "cam", "infocam", "infocam-plus" }.SelectMany(k => new[] { k, k + "-small" }).ToList();
        Assert.All(kinds, kind => Assert.True(File.Exists(Path.Combine(folder, $"{index}-{kind}.jpg")), kind));
        foreach (var kind in kinds)
        {
            response = await client.GetAsync($"/runs/{run.Id}/images/{index}/{kind}.jpg");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(new byte[] { 0xFF, 0xD8, 0xFF }, bytes[..3]);
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(folder, $"{index}-{kind}.jpg")), bytes);
            using var image = SixLabors.ImageSharp.Image.Load(bytes);
            Assert.Equal(kind.EndsWith("-small") ? 224 : 448, image.Width);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/runs/{run.Id}/images/{index}/gradcam.jpg")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/runs/{run.Id}/images/99999/cam.jpg")).StatusCode);
    }

    [Fact]
    public async Task The_first_page_of_images_is_rendered_when_the_run_ends()
    {
        var run = await app.DemoRunAsync();
        var folder = Path.Combine(app.Get<InfoCamWeb.Data.InfoCamPaths>().CacheFolder, "runs", run.Id.ToString());
        var page = await app.Get<InfoCamWeb.Web.Features.Images.ImageBrowserService>().QuerySharedAsync(run.Id, new());
        var expected = page!.Rows.SelectMany(r => new[] { "photo", "cam", "infocam", "infocam-plus" }.Select(k => $"{r.Index}-{k}.jpg")).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!expected.All(f => File.Exists(Path.Combine(folder, f))))
        {
            Assert.True(DateTime.UtcNow < deadline, "The first page's views were not rendered within 60 s of the run's end.");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task At_start_the_first_page_of_the_latest_succeeded_run_is_rendered_again_if_its_cache_is_gone()
    {
        await app.DemoRunAsync();
        await using var db = await app.Db.CreateDbContextAsync();
        int latest = await db.Runs.Where(r => r.Status == InfoCamWeb.Data.Entities.RunStatus.Succeeded).MaxAsync(r => r.Id);
        var folder = Path.Combine(app.Get<InfoCamWeb.Data.InfoCamPaths>().CacheFolder, "runs", latest.ToString());
        var page = await app.Get<InfoCamWeb.Web.Features.Images.ImageBrowserService>().QuerySharedAsync(latest, new());
        var expected = page!.Rows.Select(r => Path.Combine(folder, $"{r.Index}-photo-small.jpg")).ToList();
        // Wait for the warm-up of the run's end, then lose the cache, as a restart on a new disk would.
        await WaitForAsync(() => expected.All(File.Exists), "the run's end");
        Directory.Delete(folder, recursive: true);

        using var restarted = Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<InfoCamWeb.Web.Features.Images.FirstPageWarmer>(app.Services);
        await restarted.StartAsync(CancellationToken.None);
        await WaitForAsync(() => expected.All(File.Exists), "start");
        await restarted.StopAsync(CancellationToken.None);
    }

    private static async Task WaitForAsync(Func<bool> done, string after)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"The first page's views were not rendered within 60 s of {after}.");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task The_browser_lists_worst_iou_first_and_filters_misses()
    {
        var first = await app.DemoRunAsync();
        var images = app.Get<InfoCamWeb.Web.Features.Images.ImageBrowserService>();
        var page = await images.QueryAsync(InfoCamWeb.Data.Actor.Anonymous, first.Id, new InfoCamWeb.Web.Features.Images.ImageQuery { Method = 1, PageSize = 200 });
        Assert.Equal(160, page!.Total);
        var ious = page.Rows.Select(r => r.IoU[1]).ToList();
        Assert.Equal(ious.Order().ToList(), ious);
        var misses = await images.QueryAsync(InfoCamWeb.Data.Actor.Anonymous, first.Id, new InfoCamWeb.Web.Features.Images.ImageQuery { Outcome = "miss", Method = 0, PageSize = 200 });
        Assert.All(misses!.Rows, r => Assert.True(r.IoU[0] < 0.5));
        Assert.Equal(160 - (int)Math.Round(ResultFiles.FromJson((await app.WaitForRunAsync(first.Id)).ResultJson!).Methods["cam"].GtKnownLoc * 1.6), misses.Total);
    }
}

[Collection(WebAppCollection.Name)]
public class FailedRunTests(WebAppFixture app)
{
    [Fact]
    public async Task A_run_that_cannot_load_its_model_fails_with_the_engines_message_and_the_page_shows_it()
    {
        var actor = await app.NewTeamMemberAsync();
        var models = app.Get<ModelService>();
        int modelId;
        await using (var file = File.OpenRead(Path.Combine(WebAppFixture.RepoRoot, "datasets", "demo-model", "demo-cnn.onnx")))
        {
            modelId = (await models.UploadAsync(actor, file, "copy.onnx", "copy", "", 1L << 30)).ModelId!.Value;
        }
        var record = await models.GetAsync(actor, modelId);
        File.Delete(app.Get<InfoCamWeb.Data.InfoCamPaths>().Resolve(record!.StoredPath));
        var dataset = (await app.Get<DatasetService>().ListAsync(actor)).First(d => d.IsDemo);
        var created = await app.Get<RunService>().CreateAsync(actor, new RunRequest { ModelId = modelId, DatasetId = dataset.Id });
        var run = await app.WaitForRunAsync(created.RunId!.Value);
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.EndsWith("the model file does not exist.", run.Error);
        var html = await (await app.SignedInClientAsync(actor)).GetStringAsync($"/runs/{run.Id}");
        Assert.Contains("The run failed:", html);
        Assert.DoesNotContain("   at ", html);
    }

    [Fact]
    public async Task The_dataset_page_shows_a_gallery_with_ground_truth_boxes()
    {
        var dataset = (await app.Get<DatasetService>().ListAsync(InfoCamWeb.Data.Actor.Anonymous)).First(d => d.IsDemo);
        var client = app.CreateClient();
        var html = await client.GetStringAsync($"/datasets/{dataset.Id}");
        Assert.Contains($"/datasets/{dataset.Id}/images/0.png", html);
        var png = await client.GetByteArrayAsync($"/datasets/{dataset.Id}/images/0.png");
        Assert.Equal((byte)'P', png[1]);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/datasets/{dataset.Id}/images/100000.png")).StatusCode);
    }
}

[Collection(WebAppCollection.Name)]
public class QueueOrderTests(WebAppFixture app)
{
    [Fact]
    public async Task Runs_execute_one_at_a_time_in_order_and_an_interrupted_run_resumes_before_the_next_starts()
    {
        await app.DemoRunAsync();
        var actor = await app.NewTeamMemberAsync();
        var dataset = (await app.Get<DatasetService>().ListAsync(actor)).First(d => d.IsDemo);
        var model = (await app.Get<ModelService>().ListAsync(actor)).First(m => m.IsDemo);
        var runs = app.Get<RunService>();
        // Run a is the whole dataset (8 shards): the worker is killed while a still has shards waiting, so its interrupted
        // shard is queued again before any of b's (a 4-shard run could already have all its shards queued, b's first behind
        // them, when the progress that triggers the kill is read).
        var a = (await runs.CreateAsync(actor, new RunRequest { ModelId = model.Id, DatasetId = dataset.Id, BatchSize = 4, Split = "all" })).RunId!.Value;
        var b = (await runs.CreateAsync(actor, new RunRequest { ModelId = model.Id, DatasetId = dataset.Id, BatchSize = 4 })).RunId!.Value;
        var c = (await runs.CreateAsync(actor, new RunRequest { ModelId = model.Id, DatasetId = dataset.Id, BatchSize = 4 })).RunId!.Value;
        await app.WaitForRunAsync(a, r => r.ImagesDone >= 8 || r.Status == RunStatus.Succeeded);
        app.Get<WorkerSupervisor>().Kill();
        var ra = await app.WaitForRunAsync(a);
        var rb = await app.WaitForRunAsync(b);
        var rc = await app.WaitForRunAsync(c);
        Assert.All(new[] { ra, rb, rc }, r => Assert.Equal(RunStatus.Succeeded, r.Status));
        Assert.True(ra.FinishedAt <= rb.StartedAt, "the interrupted run must finish before the next one starts");
        Assert.True(rb.FinishedAt <= rc.StartedAt, "runs must not overlap and must keep their order");
    }

    [Fact]
    public async Task A_later_run_of_another_team_starts_before_a_long_run_ends_because_their_shards_interleave()
    {
        var demo = await app.DemoRunAsync();
        var first = await app.NewTeamMemberAsync();
        var second = await app.NewTeamMemberAsync();
        var runs = app.Get<RunService>();
        var longRun = (await runs.CreateAsync(first, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, BatchSize = 4 })).RunId!.Value;
        var later = (await runs.CreateAsync(second, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, BatchSize = 4 })).RunId!.Value;
        var a = await app.WaitForRunAsync(longRun);
        var b = await app.WaitForRunAsync(later);
        Assert.Equal((RunStatus.Succeeded, RunStatus.Succeeded), (a.Status, b.Status));
        Assert.True(b.StartedAt < a.FinishedAt, "the second team's run must not wait for the first team's run to end");
        var shardsA = await runs.ShardsAsync(longRun);
        var shardsB = await runs.ShardsAsync(later);
        Assert.True(shardsB[0].StartedAt < shardsA[^1].StartedAt, "the second team's first shard must run before the first team's last");
        var (ra, rb) = (ResultFiles.FromJson(a.ResultJson!), ResultFiles.FromJson(b.ResultJson!));
        Assert.Equal(ResultFiles.ToJson(ra with { Seconds = rb.Seconds }), ResultFiles.ToJson(rb));
    }
}

[Collection(WebAppCollection.Name)]
public class FaultTests(WebAppFixture app)
{
    [Fact]
    public async Task Killing_the_worker_at_random_points_three_times_gives_the_uninterrupted_result_image_for_image()
    {
        var demo = await app.DemoRunAsync();
        var actor = await app.NewTeamMemberAsync();
        var runs = app.Get<RunService>();
        var supervisor = app.Get<WorkerSupervisor>();
        var rng = new Random(42);
        var id = (await runs.CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, BatchSize = 2 })).RunId!.Value;
        int killed = 0;
        for (int k = 0; k < 3; k++)
        {
            // Wait for a random amount of progress beyond the last kill, then kill the worker wherever it is.
            int target = Math.Min(150, (k + 1) * 30 + rng.Next(0, 25));
            var r = await app.WaitForRunAsync(id, x => x.ImagesDone >= target || x.Status is RunStatus.Succeeded or RunStatus.Failed);
            if (r.Status != RunStatus.Running) break;
            await Task.Delay(rng.Next(0, 300));
            supervisor.Kill();
            killed++;
        }
        var run = await app.WaitForRunAsync(id);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.True(killed >= 2, $"only {killed} kills landed mid-run");
        await using var db = await app.Db.CreateDbContextAsync();
        var resumed = await db.RunImages.AsNoTracking().Where(i => i.RunId == id).OrderBy(i => i.Index).ToListAsync();
        var reference = await db.RunImages.AsNoTracking().Where(i => i.RunId == demo.Id).OrderBy(i => i.Index).ToListAsync();
        Assert.Equal(160, resumed.Count);
        Assert.Equal(reference.Select(i => i.Index), resumed.Select(i => i.Index));
        Assert.Equal(reference.Select(i => Convert.ToHexString(i.Outcome)), resumed.Select(i => Convert.ToHexString(i.Outcome)));
        var a = ResultFiles.FromJson(run.ResultJson!);
        var b = ResultFiles.FromJson(demo.ResultJson!);
        Assert.Equal(ResultFiles.ToJson(b with { Seconds = a.Seconds, Model = a.Model }), ResultFiles.ToJson(a with { Model = a.Model }));
    }
}

[Collection(WebAppCollection.Name)]
public class WorkerIsolationTests(WebAppFixture app)
{
    /// <summary>
    /// An upload stream that delivers <paramref name="bytes"/> bytes, then fails like a browser that went away or, when
    /// <paramref name="stall"/>, never answers again like a browser that stopped sending.
    /// </summary>
    private sealed class BrokenUploadStream(int bytes, bool stall) : Stream
    {
        private int _left = bytes;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            if (_left <= 0)
            {
                if (!stall) throw new IOException("The client disconnected.");
                await Task.Delay(Timeout.Infinite, ct);
            }
            int n = Math.Min(buffer.Length, _left);
            buffer.Span[..n].Fill(7);
            _left -= n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task An_upload_cut_off_midway_leaves_no_temporary_file()
    {
        var actor = await app.NewTeamMemberAsync();
        var paths = app.Get<InfoCamWeb.Data.InfoCamPaths>();
        await Assert.ThrowsAsync<IOException>(() => app.Get<ModelService>().UploadAsync(actor, new BrokenUploadStream(200_000, stall: false), "m.onnx", "", "", 1L << 30));
        await Assert.ThrowsAsync<IOException>(() => app.Get<DatasetService>().UploadArchiveAsync(actor, new BrokenUploadStream(200_000, stall: false), "d.zip", "", "", 1L << 30));
        Assert.Empty(Directory.GetFiles(paths.UploadsFolder));
    }

    [Fact]
    public async Task A_stalled_upload_is_refused_after_the_stall_limit_and_leaves_no_temporary_file()
    {
        var actor = await app.NewTeamMemberAsync();
        var paths = app.Get<InfoCamWeb.Data.InfoCamPaths>();
        var model = await app.Get<ModelService>().UploadAsync(actor, new BrokenUploadStream(100_000, stall: true), "m.onnx", "", "", 1L << 30);
        Assert.Equal("The upload stalled: no data arrived for 2 s after 97.7 KB.", model.Error);
        var dataset = await app.Get<DatasetService>().UploadArchiveAsync(actor, new BrokenUploadStream(100_000, stall: true), "d.zip", "", "", 1L << 30);
        Assert.Equal("The upload stalled: no data arrived for 2 s after 97.7 KB.", dataset.Error);
        Assert.Empty(Directory.GetFiles(paths.UploadsFolder));
        await using var db = await app.Db.CreateDbContextAsync();
        Assert.False(await db.Models.AnyAsync(m => m.TeamId == actor.ActiveTeamId));
        Assert.False(await db.Datasets.AnyAsync(d => d.TeamId == actor.ActiveTeamId));
    }

    [Fact]
    public async Task An_endless_loop_model_is_refused_at_upload_by_the_probe_time_limit_and_nothing_is_stored()
    {
        var actor = await app.NewTeamMemberAsync();
        var bytes = InfoCamWeb.Core.Tests.TinyOnnx.LoopingOnBrightInput(threshold: -100); // loops 2^31 times on any input
        var result = await app.Get<ModelService>().UploadAsync(actor, new MemoryStream(bytes), "loop.onnx", "loop", "", 1L << 30);
        Assert.Equal("The probe run on a 1x3x64x64 input failed: Inference of one batch took longer than 13 s and was stopped.", result.Error);
        Assert.Empty(Directory.GetFiles(app.Get<InfoCamWeb.Data.InfoCamPaths>().UploadsFolder));
        await using var db = await app.Db.CreateDbContextAsync();
        Assert.False(await db.Models.AnyAsync(m => m.TeamId == actor.ActiveTeamId));
    }

    [Fact]
    public async Task A_model_that_loops_only_on_real_images_is_stopped_by_the_stall_limit_and_failed_with_the_reason()
    {
        var demo = await app.DemoRunAsync();
        var actor = await app.NewTeamMemberAsync();
        // Passes the upload probe (random input), then loops 2^31 times on the first bright demo image.
        var bytes = InfoCamWeb.Core.Tests.TinyOnnx.LoopingOnBrightInput(classes: 8, size: 64);
        var upload = await app.Get<ModelService>().UploadAsync(actor, new MemoryStream(bytes), "sneaky.onnx", "sneaky", "", 1L << 30);
        Assert.Null(upload.Error);
        var runs = app.Get<RunService>();
        var id = (await runs.CreateAsync(actor, new RunRequest { ModelId = upload.ModelId!.Value, DatasetId = demo.DatasetId, BatchSize = 1 })).RunId!.Value;
        var failed = await app.WaitForRunAsync(id, seconds: 240);
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.True(failed.FailedByModel);
        Assert.Equal($"The run made no progress for {WebAppFixture.StallSeconds} s (the time limit) and its worker was stopped. " +
                     $"The run ended its worker {WebAppFixture.MaxWorkerEnds} times; it is not tried again.", failed.Error);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/runs")).StatusCode);
        var next = (await runs.CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId })).RunId!.Value;
        Assert.Equal(RunStatus.Succeeded, (await app.WaitForRunAsync(next)).Status);
    }

    private async Task<string> WorkingFolderWhileRunningAsync(int pid, string runsFolder, int runId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var cwd = WorkingDirectoryOf(pid);
            if (Path.GetDirectoryName(cwd) == runsFolder) return cwd;
            await using var db = await app.Db.CreateDbContextAsync();
            var status = await db.Runs.Where(r => r.Id == runId).Select(r => r.Status).FirstAsync();
            Assert.True(status is RunStatus.Queued or RunStatus.Running, $"The run ended ({status}) before the worker was seen in a run's folder.");
            Assert.True(DateTime.UtcNow < deadline, "The worker was never seen in a run's folder.");
            await Task.Delay(10);
        }
    }

    private static string WorkingDirectoryOf(int pid) => new DirectoryInfo($"/proc/{pid}/cwd").ResolveLinkTarget(returnFinalTarget: true)!.FullName;

    [Fact]
    public async Task The_worker_and_each_run_work_in_an_empty_folder_of_their_own_that_is_removed_afterwards()
    {
        var demo = await app.DemoRunAsync();
        var paths = app.Get<InfoCamWeb.Data.InfoCamPaths>();
        var supervisor = app.Get<WorkerSupervisor>();
        var idle = WorkingDirectoryOf(supervisor.ProcessId);
        Assert.Equal(Path.Combine(paths.WorkFolder, "worker"), Path.GetDirectoryName(idle));
        Assert.Empty(Directory.EnumerateFileSystemEntries(idle));

        var actor = await app.NewTeamMemberAsync();
        var id = (await app.Get<RunService>().CreateAsync(actor, new RunRequest
        {
            // Both splits one image at a time with a fine sweep: long enough to look at the worker while it runs.
            ModelId = demo.ModelId, DatasetId = demo.DatasetId, BatchSize = 1, ThresholdStep = 0.001, Split = "all",
        })).RunId!.Value;
        // The worker goes back to its idle folder between shards: look until it is in a run's folder.
        string running = await WorkingFolderWhileRunningAsync(supervisor.ProcessId, Path.Combine(paths.WorkFolder, "runs"), id);
        Assert.Empty(Directory.EnumerateFileSystemEntries(running));
        Assert.Equal(RunStatus.Succeeded, (await app.WaitForRunAsync(id)).Status);
        await Task.Delay(500);
        Assert.Equal(idle, WorkingDirectoryOf(supervisor.ProcessId));
        Assert.False(Directory.Exists(running));
    }

    [Fact]
    public async Task A_model_that_allocates_8_gb_only_on_real_images_fails_its_run_at_the_memory_cap_and_the_worker_lives_on()
    {
        var demo = await app.DemoRunAsync();
        var actor = await app.NewTeamMemberAsync();
        var bytes = InfoCamWeb.Core.Tests.TinyOnnx.AllocatingOnBrightInput(classes: 8, size: 64);
        var upload = await app.Get<ModelService>().UploadAsync(actor, new MemoryStream(bytes), "greedy.onnx", "greedy", "", 1L << 30);
        Assert.Null(upload.Error);
        var supervisor = app.Get<WorkerSupervisor>();
        int workerBefore = supervisor.ProcessId;
        var runs = app.Get<RunService>();
        var id = (await runs.CreateAsync(actor, new RunRequest { ModelId = upload.ModelId!.Value, DatasetId = demo.DatasetId, BatchSize = 1 })).RunId!.Value;
        var failed = await app.WaitForRunAsync(id);
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.StartsWith("Inference needs more memory than a model may use (3072 MB)", failed.Error);
        Assert.Equal(0, failed.WorkerEnds);
        Assert.True(failed.FailedByModel); // a benchmark submission failed so counts toward its limits
        Assert.Equal(workerBefore, supervisor.ProcessId); // stopped by the arena cap, not by killing the worker
        var next = (await runs.CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId })).RunId!.Value;
        Assert.Equal(RunStatus.Succeeded, (await app.WaitForRunAsync(next)).Status);
    }

    /// <summary>Freezes the worker at a moment it holds a running shard of the run (between shards it holds none).</summary>
    private async Task HoldingAShardAsync(int pid, int runId)
    {
        for (int attempt = 0; ; attempt++)
        {
            await Signal("STOP", pid);
            await using var db = await app.Db.CreateDbContextAsync();
            if (await db.RunShards.AnyAsync(s => s.RunId == runId && s.State == ShardState.Running)) return;
            Assert.True(attempt < 200, $"run {runId} never had a running shard");
            await Signal("CONT", pid);
            await Task.Delay(20);
        }
    }

    private static async Task Signal(string signal, int pid)
    {
        using var kill = System.Diagnostics.Process.Start("kill", $"-{signal} {pid}");
        await kill.WaitForExitAsync();
    }

    [Fact]
    public async Task A_run_that_keeps_ending_its_worker_is_failed_with_the_reason_and_the_next_run_works()
    {
        var demo = await app.DemoRunAsync();
        var actor = await app.NewTeamMemberAsync();
        var runs = app.Get<RunService>();
        var supervisor = app.Get<WorkerSupervisor>();
        var id = (await runs.CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, BatchSize = 2 })).RunId!.Value;
        await app.WaitForRunAsync(id, r => r.ImagesDone >= 4 || r.Status is RunStatus.Succeeded or RunStatus.Failed);
        // As if this run had already ended the worker as often as allowed but once.
        await using (var db = await app.Db.CreateDbContextAsync())
        {
            var run = await db.Runs.FirstAsync(r => r.Id == id);
            run.WorkerEnds = WebAppFixture.MaxWorkerEnds - 1;
            await db.SaveChangesAsync();
        }
        // Killed from outside (like a native crash or the kernel's OOM killer), not restarted by the operator, while it
        // holds a shard of the run: frozen first (SIGSTOP) so that what it holds cannot change before the kill.
        using (var worker = System.Diagnostics.Process.GetProcessById(supervisor.ProcessId))
        {
            await HoldingAShardAsync(worker.Id, id);
            worker.Kill();
        }
        var failed = await app.WaitForRunAsync(id);
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Equal($"The worker was killed (SIGKILL, exit code 137; the system may have run out of memory). " +
                     $"The run ended its worker {WebAppFixture.MaxWorkerEnds} times; it is not tried again.", failed.Error);
        // The web app is still up and the next run works.
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/runs")).StatusCode);
        var next = (await runs.CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId })).RunId!.Value;
        Assert.Equal(RunStatus.Succeeded, (await app.WaitForRunAsync(next)).Status);
    }
}
