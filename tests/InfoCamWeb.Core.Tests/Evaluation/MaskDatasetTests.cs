using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;

namespace InfoCamWeb.Core.Tests.Evaluation;

/// <summary>OpenImages-shaped datasets (instance and ignore masks in wsolevaluation metadata): PxAP and the rest, against the reference.</summary>
public class MaskDatasetTests
{
    /// <summary>
    /// <c>infocam make-demo --masks --output /tmp/masks</c> (20 per class, seed 30), then
    /// <c>tools/reference_eval.py --layout wsol --dataset /tmp/masks --checkpoint datasets/demo-model/demo-cnn.pt [--split val]</c>.
    /// </summary>
    [Theory]
    [InlineData("test", "demo-masks-reference")]
    [InlineData("val", "demo-masks-val-reference")]
    public async Task Pxap_the_best_pixel_iou_and_every_box_equal_the_reference_on_the_mask_demo(string split, string reference)
    {
        using var dir = new TempDir();
        Assert.Equal(160, DemoDataset.WriteMaskDemo(dir.Path, 20, 30));
        var dataset = DatasetLoader.Load(dir.Path, new DatasetLoadOptions { VerifyImageHeaders = true });
        Assert.True(dataset.HasMasks);
        var rows = new Dictionary<string, string>();
        var outcomes = new List<ImageOutcome>();
        var settings = new EvaluationSettings { Provider = Core.Inference.ProviderChoice.Cpu, Split = Dataset.ParseSplit(split) };
        var evaluator = new Evaluator(DemoReferenceTests.Model.Value, dataset, settings);
        var result = await evaluator.RunAsync(onImage: o =>
        {
            rows[o.ImageId] = ResultFiles.CsvRow(o, dataset);
            outcomes.Add(o);
        });
        DemoReferenceTests.AssertMetrics(reference + ".json", result);
        DemoReferenceTests.AssertRows(reference + ".csv", settings.Methods, rows);
        Assert.Equal(split, result.Dataset.Split);
        Assert.Equal("masks", result.Dataset.GroundTruth);

        // Stored and read back (the histograms travel in the outcome), the summary is the same result.
        var decoded = outcomes.Select(o => OutcomeCodec.Decode(OutcomeCodec.Encode(o))).OrderBy(o => o.Index).ToList();
        Assert.All(decoded, o => Assert.NotNull(o.Methods[0].ObjectHistogram));
        var summary = evaluator.Summarize(decoded, [], result.Seconds, result.Model.Provider, result.Batch);
        Assert.Equal(ResultFiles.ToJson(result), ResultFiles.ToJson(summary));
    }

    [Fact]
    public void Mask_datasets_are_evaluated_with_resize224_only()
    {
        using var dir = new TempDir();
        DemoDataset.WriteMaskDemo(dir.Path, 4, 1);
        var dataset = DatasetLoader.Load(dir.Path);
        var ex = Assert.Throws<EvaluationException>(() => new Evaluator(DemoReferenceTests.Model.Value, dataset,
            new EvaluationSettings { Protocol = Core.Imaging.EvaluationProtocol.Resize256Crop224 }));
        Assert.StartsWith("Mask datasets (PxAP) are evaluated with the resize224 protocol", ex.Message);
    }
}
