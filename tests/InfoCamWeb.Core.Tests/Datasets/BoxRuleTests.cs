using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InfoCamWeb.Core.Tests.Datasets;

/// <summary>Ground-truth boxes as wsolevaluation takes them: line-thin boxes (x1 == x0) are fine, boxes outside the image are not.</summary>
public class BoxRuleTests
{
    [Fact]
    public void A_cub_box_of_zero_width_or_height_is_a_line_thin_box()
    {
        using var dir = new TempDir();
        TinyCub.Write(dir, "");
        dir.Write("bounding_boxes.txt", "1 1 2 0 4\n2 0 0 5 0\n3 2 2 2 2\n");
        var ds = DatasetLoader.Load(dir.Path);
        Assert.Equal(new GroundTruthBox(1, 2, 1, 6), ds.Images[0].Boxes[0]);
        Assert.Equal(new GroundTruthBox(0, 0, 5, 0), ds.Images[1].Boxes[0]);
        Assert.Equal([1], ds.Images[0].BoxLines);
        Assert.Equal("bounding_boxes.txt", ds.Images[0].BoxesIn);
    }

    [Theory]
    [InlineData("a/1.jpg,3,2,3,9", null)]
    [InlineData("a/1.jpg,3,2,2,9", "test/localization.txt, line 1, x1: is smaller than x0.")]
    [InlineData("a/1.jpg,3,9,5,2", "test/localization.txt, line 1, y1: is smaller than y0.")]
    public void A_wsolevaluation_box_may_have_x1_equal_to_x0_but_not_below_it(string line, string? problem)
    {
        using var dir = new TempDir();
        dir.Write("test/image_ids.txt", "a/1.jpg\nb/2.jpg\n");
        dir.Write("test/class_labels.txt", "a/1.jpg,0\nb/2.jpg,1\n");
        dir.Write("test/localization.txt", line + "\nb/2.jpg,0,0,5,5\n");
        dir.Write("a/1.jpg", "x");
        dir.Write("b/2.jpg", "x");
        if (problem is null)
        {
            Assert.Equal(new GroundTruthBox(3, 2, 3, 9), DatasetLoader.Load(dir.Path).Images[0].Boxes[0]);
        }
        else
        {
            Assert.Equal(problem, Assert.Throws<DatasetException>(() => DatasetLoader.Load(dir.Path)).Problems[0].ToString());
        }
    }

    /// <summary>TinyCub with real 10 x 8 PNGs and no image_sizes.txt: sizes come from the headers.</summary>
    private static string WithRealImages(TempDir dir, string boxes)
    {
        TinyCub.Write(dir, "");
        dir.Write("bounding_boxes.txt", boxes);
        foreach (var f in new[] { "a/1.jpg", "a/2.jpg", "b/3.jpg" })
        {
            using var img = new Image<Rgb24>(10, 8, new Rgb24(90, 120, 200));
            img.SaveAsPng(Path.Combine(dir.Path, "images", f));
        }
        return dir.Path;
    }

    [Fact]
    public void A_box_wholly_outside_its_image_is_refused_with_file_and_line_when_headers_are_read()
    {
        using var dir = new TempDir();
        var root = WithRealImages(dir, "1 1 2 3 4\n2 0 0 5 5\n3 2 8 2 2\n");
        var ex = Assert.Throws<DatasetException>(() => DatasetLoader.Load(root, new DatasetLoadOptions { VerifyImageHeaders = true }));
        Assert.Equal("bounding_boxes.txt, line 3, y: the box starts outside the 10x8 image 'b/3.jpg' (size from its header).", ex.Problems[0].ToString());
    }

    [Fact]
    public async Task A_box_wholly_outside_its_image_stops_an_evaluation_with_file_and_line()
    {
        using var dir = new TempDir();
        var root = WithRealImages(dir, "1 10 2 3 4\n2 0 0 5 5\n3 2 2 2 2\n");
        var dataset = DatasetLoader.Load(root);
        var settings = new EvaluationSettings { Split = DatasetSplit.All, Provider = Core.Inference.ProviderChoice.Cpu, Methods = [Core.Cams.CamMethod.Cam] };
        var ex = await Assert.ThrowsAsync<EvaluationException>(() => new Evaluator(Evaluation.DemoReferenceTests.Model.Value, dataset, settings).RunAsync());
        Assert.Equal("bounding_boxes.txt, line 1, x: the box starts outside the 10x8 image 'a/1.jpg' (size from its header).", ex.Message);
    }

    [Fact]
    public void A_box_starting_on_the_last_column_is_inside()
    {
        var record = new ImageRecord("1", "a.jpg", 0, false, true, null, null, [new GroundTruthBox(9, 7, 9, 7)], "image header")
        {
            BoxesIn = "bounding_boxes.txt", BoxLines = [4],
        };
        Assert.Null(record.OutsideBox(10, 8));
        Assert.Equal("bounding_boxes.txt, line 4, x: the box starts outside the 9x8 image 'a.jpg' (size from its header).", record.OutsideBox(9, 8)!.ToString());
    }
}
