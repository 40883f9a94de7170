using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Models;

namespace InfoCamWeb.Core.Tests.Evaluation;

/// <summary>
/// Datasets that use a subset of the model's classes: label k is model output k - 1 (CUB) whatever else the dataset
/// lists, top-1 is over all outputs (as wsolevaluation), and only a label the model has no output for is refused.
/// </summary>
public class ClassSubsetTests
{
    /// <summary>
    /// Classes 3 and 7 of the demo, kept with their ids, under the 8-class demo model: a two-class, non-contiguous subset.
    /// The reference: <c>infocam subset --dataset datasets/demo-cub --classes 3,7 --output /tmp/sub37</c>, then
    /// <c>tools/reference_eval.py --dataset /tmp/sub37 --checkpoint datasets/demo-model/demo-cnn.pt</c>.
    /// </summary>
    [Fact]
    public async Task A_non_contiguous_two_class_subset_under_an_eight_class_model_equals_the_reference_box_for_box()
    {
        using var dir = new TempDir();
        var folder = Path.Combine(dir.Path, "sub37");
        Assert.Equal(80, CubSubset.Write(DemoReferenceTests.Demo.Value, [3, 7], folder));
        var subset = DatasetLoader.Load(folder);
        var rows = new Dictionary<string, string>();
        var settings = new EvaluationSettings { Provider = Core.Inference.ProviderChoice.Cpu };
        var result = await new Evaluator(DemoReferenceTests.Model.Value, subset, settings)
            .RunAsync(onImage: o => rows[o.ImageId] = ResultFiles.CsvRow(o, subset));
        DemoReferenceTests.AssertMetrics("demo-subset37-reference.json", result);
        DemoReferenceTests.AssertRows("demo-subset37-reference.csv", settings.Methods, rows);
        Assert.Equal(2, result.Dataset.ClassesUsed);
        Assert.Equal(8, result.Model.NumClasses);
        Assert.Equal(["3", "7"], result.Methods["cam"].PerClassGtKnownLoc.Keys.Order());
    }

    [Fact]
    public void A_subset_keeps_its_class_ids_and_names()
    {
        using var dir = new TempDir();
        var folder = Path.Combine(dir.Path, "sub");
        CubSubset.Write(DemoReferenceTests.Demo.Value, [7, 3], folder);
        var subset = DatasetLoader.Load(folder);
        Assert.Equal(7, subset.ClassCount);
        Assert.Equal([2, 6], subset.Images.Select(i => i.ClassIndex).Distinct().Order());
        Assert.Equal("003.yellow_dot_finch", subset.NameOf(2));
        Assert.Equal("1", subset.NameOf(0));
        Assert.Equal("8", subset.LabelOf(7));
        Assert.Equal("3 003.yellow_dot_finch\n7 007.yellow_stripe_finch\n", File.ReadAllText(Path.Combine(folder, "classes.txt")));
    }

    [Fact]
    public void A_subset_of_a_class_without_images_is_refused_by_id()
    {
        using var dir = new TempDir();
        var ex = Assert.Throws<ArgumentException>(() => CubSubset.Write(DemoReferenceTests.Demo.Value, [3, 9], Path.Combine(dir.Path, "x")));
        Assert.StartsWith("--classes: class id(s) 9 have no image in ", ex.Message);
    }

    [Fact]
    public void A_label_the_model_has_no_output_for_is_refused_with_its_file_and_line()
    {
        using var dir = new TempDir();
        Datasets.TinyCub.Write(dir, "");
        dir.Write("classes.txt", "1 a\n9 b\n");
        dir.Write("image_class_labels.txt", "1 1\n2 9\n3 9\n");
        var dataset = DatasetLoader.Load(dir.Path);
        var ex = Assert.Throws<EvaluationException>(() => new Evaluator(DemoReferenceTests.Model.Value, dataset, new EvaluationSettings()));
        Assert.Equal("image_class_labels.txt, line 2: label 9 is model output 8, but the model has 8 outputs (1..8 in the dataset's labels) " +
            "(1 more image(s) have labels beyond it too). Choose a model trained on these classes, or leave those images out of the dataset.", ex.Message);
    }

    [Fact]
    public async Task A_200_class_model_evaluates_the_8_class_demo_with_top1_over_all_its_outputs()
    {
        var bench = ModelLoader.Load(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-model", "bench-200.onnx"));
        var settings = new EvaluationSettings { Provider = Core.Inference.ProviderChoice.Cpu, Methods = [Core.Cams.CamMethod.Cam] };
        var outcomes = new List<ImageOutcome>();
        var result = await new Evaluator(bench, DemoReferenceTests.Demo.Value, settings).RunAsync(onImage: outcomes.Add);
        Assert.Equal((8, 200), (result.Dataset.ClassesUsed, result.Model.NumClasses));
        Assert.Equal(Enumerable.Range(1, 8).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), result.Methods["cam"].PerClassGtKnownLoc.Keys.Order());
        Assert.Equal(100.0 * outcomes.Count(o => o.PredictedClass == o.TrueClass) / outcomes.Count, result.Classification.Top1, 9);
        Assert.Equal(Math.Log(200) - outcomes.Average(o => o.CrossEntropy), result.Classification.MiEstimateNats, 9);
    }

    [Fact]
    public void Usage_says_how_many_of_the_models_classes_a_dataset_uses()
    {
        Assert.Equal("uses 2 of the model's 8 classes", ClassCounts.Usage(2, 8));
        Assert.Equal("uses all 8 of the model's classes", ClassCounts.Usage(8, 8));
    }
}
