using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Models;

namespace InfoCamWeb.Core.Tests.Evaluation;

/// <summary>ImageNet-shaped data in wsolevaluation metadata: 1,000 classes, several boxes per image, a 1,000-way model.</summary>
public class ImageNetShapedTests
{
    /// <summary>
    /// <c>infocam make-demo --imagenet --output /tmp/in1k --images 1000 --classes 1000</c>, then
    /// <c>tools/reference_eval.py --layout wsol --dataset /tmp/in1k --checkpoint datasets/demo-model/demo-1000.pt</c>
    /// (the demo backbone with a seeded 1000-way head, tools/export_demo1000.py).
    /// </summary>
    [Fact]
    public async Task A_thousand_class_multi_box_set_equals_the_reference_box_for_box()
    {
        using var dir = new TempDir();
        Assert.Equal(2000, DemoDataset.WriteImageNetShaped(dir.Path, 1000, 1000));
        var dataset = DatasetLoader.Load(dir.Path);
        Assert.Equal(1477, dataset.Select(DatasetSplit.Test).Sum(i => i.Boxes.Count));
        var model = ModelLoader.Load(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-model", "demo-1000.onnx"));
        var rows = new Dictionary<string, string>();
        var settings = new EvaluationSettings { Provider = Core.Inference.ProviderChoice.Cpu };
        var result = await new Evaluator(model, dataset, settings).RunAsync(onImage: o => rows[o.ImageId] = ResultFiles.CsvRow(o, dataset));
        DemoReferenceTests.AssertMetrics("imagenet-shaped-reference.json", result);
        DemoReferenceTests.AssertRows("imagenet-shaped-reference.csv", settings.Methods, rows);
        Assert.Equal((1000, 1000), (result.Dataset.ClassesUsed, result.Model.NumClasses));
    }
}
