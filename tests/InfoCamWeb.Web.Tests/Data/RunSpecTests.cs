using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Inference;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Data.Runs;
using InfoCamWeb.Web.Features.Runs;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Tests.Data;

public class RunSpecTests
{
    private static ModelRecord Model() => new()
    {
        Name = "m", StoredPath = "models/m.onnx", Sha256 = "", HeadPattern = "", InputSize = 112,
        Mean = "0.5,0.25,0.125", Std = "1,2,4", Bgr = true, FeatureOverride = "features", WeightOverride = "fc.weight",
    };

    [Fact]
    public void A_spec_written_and_read_back_gives_the_same_settings_with_the_models_preprocessing_and_head()
    {
        var settings = new EvaluationSettings
        {
            Split = DatasetSplit.All, Methods = [CamMethod.Cam, CamMethod.InfoCamPlus], Protocol = EvaluationProtocol.Resize256Crop224,
            CamThreshold = 0.3, ThresholdStep = 0.001, Window = 2, BatchSize = 8, Provider = ProviderChoice.Cpu, SkipBadImages = true,
            MultiIoUs = [50, 75],
        };
        var json = RunSpec.Create(settings, Model()).ToJson();
        var back = RunSpec.FromJson(json);

        Assert.Equal(RunSpec.CurrentVersion, back.Version);
        Assert.Equal(settings with { Preprocessing = back.Settings.Preprocessing, Methods = back.Settings.Methods, MultiIoUs = back.Settings.MultiIoUs }, back.Settings);
        Assert.Equal([50, 75], back.Settings.MultiIoUs);
        Assert.Equal([CamMethod.Cam, CamMethod.InfoCamPlus], back.Settings.Methods);
        Assert.Equal(112, back.Settings.Preprocessing!.InputSize);
        Assert.Equal([0.5f, 0.25f, 0.125f], back.Settings.Preprocessing.Mean);
        Assert.Equal([1f, 2f, 4f], back.Settings.Preprocessing.Std);
        Assert.True(back.Settings.Preprocessing.Bgr);
        Assert.Equal("features", back.Head!.FeatureTensor);
        Assert.Equal("fc.weight", back.Head.WeightInitializer);
        Assert.Equal(json, back.ToJson());
    }

    [Fact]
    public void Settings_are_validated_once_when_the_spec_is_created()
    {
        var error = Assert.Throws<ArgumentException>(() => RunSpec.Create(new EvaluationSettings { Window = 0 }, Model()));
        Assert.Equal("--window 0 must be between 1 and 64.", error.Message);
    }

    [Fact]
    public void A_spec_of_another_version_is_refused_naming_both_versions()
    {
        var current = RunSpec.Create(new EvaluationSettings(), Model()).ToJson();
        var json = current.Replace("\"version\":5", "\"version\":6", StringComparison.Ordinal);
        var error = Assert.Throws<FormatException>(() => RunSpec.FromJson(json));
        Assert.StartsWith("The run's settings are version 6; this worker reads versions 1 to 5.", error.Message);
        // Runs queued by earlier releases (versions 1 and 2, without an IoU list) still run, with the default list.
        foreach (var version in new[] { 1, 2 })
        {
            var old = current.Replace("\"version\":5", $"\"version\":{version}", StringComparison.Ordinal).Replace("\"multiIoUs\":[30,50,70],", "", StringComparison.Ordinal);
            Assert.DoesNotContain("multiIoUs", old);
            var spec = RunSpec.FromJson(old);
            Assert.Equal(version, spec.Version);
            Assert.Equal([30, 50, 70], spec.Settings.MultiIoUs);
        }
        // Version 3 always named a batch size; it still reads, with that size.
        var v3 = RunSpec.FromJson(RunSpec.Create(new EvaluationSettings { BatchSize = 16 }, Model()).ToJson().Replace("\"version\":5", "\"version\":3", StringComparison.Ordinal));
        Assert.Equal((3, 16), (v3.Version, v3.Settings.BatchSize));
        // Version 4 had no image subset: the whole split, as before.
        var v4 = RunSpec.FromJson(current.Replace("\"version\":5", "\"version\":4", StringComparison.Ordinal).Replace("\"subset\":null,", "", StringComparison.Ordinal));
        Assert.Equal((4, null), (v4.Version, v4.Settings.Subset));
        // Version 5: a benchmark phase's part of the split travels with the spec.
        var part = RunSpec.FromJson(RunSpec.Create(new EvaluationSettings { Subset = new Core.Datasets.ImageSubset(30, 100) }, Model()).ToJson());
        Assert.Equal(new Core.Datasets.ImageSubset(30, 100), part.Settings.Subset);
        Assert.StartsWith("The run's stored settings cannot be read:", Assert.Throws<FormatException>(() => RunSpec.FromJson("{\"version\":")).Message);
    }
}

[Collection(WebAppCollection.Name)]
public class RunSpecStorageTests(WebAppFixture app)
{
    [Fact]
    public async Task A_created_run_stores_its_spec_and_later_preprocessing_edits_do_not_change_it()
    {
        var demo = await app.DemoRunAsync();
        var actor = await app.NewTeamMemberAsync();
        var id = (await app.Get<RunService>().CreateAsync(actor, new RunRequest
        {
            ModelId = demo.ModelId, DatasetId = demo.DatasetId, Methods = ["infocam+", "cam"], Split = "all", Window = 3,
        })).RunId!.Value;
        await using var db = await app.Db.CreateDbContextAsync();
        var run = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == id);
        var spec = RunSpec.FromJson(run.Spec!);
        Assert.Equal([CamMethod.Cam, CamMethod.InfoCamPlus], spec.Settings.Methods); // canonical order
        Assert.Equal(DatasetSplit.All, spec.Settings.Split);
        Assert.Equal(3, spec.Settings.Window);
        Assert.Equal(Preprocessing.ImageNetMean, spec.Settings.Preprocessing!.Mean);
        Assert.Equal(("all", "cam,infocam+", 3), (run.Split, run.Methods, run.Window));
        Assert.Equal("Unknown method 'nosuchcam': expected one of cam, infocam, infocam+, gradcam, hirescam, xgradcam, gradcam++, layercam, eigencam, ablationcam, scorecam.",
            (await app.Get<RunService>().CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, Methods = ["nosuchcam"] })).Error);
        // The val split is offered; a CUB folder has none, and the run says so before anything is queued.
        var val = (await app.Get<RunService>().CreateAsync(actor, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, Split = "val" })).Error!.Message;
        Assert.Matches("^The val split of '.+' has no images\\.$", val);
    }
}
