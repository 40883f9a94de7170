using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Localization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InfoCamWeb.Core.Tests.Datasets;

/// <summary>Mask ground truth (OpenImages in wsolevaluation metadata) gets the strict checks boxes get: file, line, field.</summary>
public class MaskReaderTests
{
    /// <summary>Two images of 10 x 8 (a.jpg, b.jpg) with 0/255 masks; <paramref name="localization"/> is test/localization.txt.</summary>
    private static string Write(TempDir dir, string localization, Action<TempDir>? extra = null)
    {
        dir.Write("test/image_ids.txt", "a.jpg\nb.jpg\n");
        dir.Write("test/class_labels.txt", "a.jpg,0\nb.jpg,1\n");
        dir.Write("test/localization.txt", localization);
        foreach (var name in new[] { "a", "b" })
        {
            using (var img = new Image<Rgb24>(10, 8, new Rgb24(100, 150, 200))) img.SaveAsPng(Path.Combine(dir.Path, name + ".jpg"));
            SaveMask(Path.Combine(dir.Path, name + "_m0.png"), 10, 8, (x, y) => x >= 2 && x < 6 && y >= 1 && y < 5 ? (byte)255 : (byte)0);
            SaveMask(Path.Combine(dir.Path, name + "_ignore.png"), 10, 8, (x, _) => x >= 5 ? (byte)255 : (byte)0);
        }
        extra?.Invoke(dir);
        return dir.Path;
    }

    internal static void SaveMask(string path, int w, int h, Func<int, int, byte> value)
    {
        using var img = new Image<L8>(w, h);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img[x, y] = new L8(value(x, y));
        img.SaveAsPng(path);
    }

    private const string Good = "a.jpg,a_m0.png,a_ignore.png\nb.jpg,b_m0.png,\n";

    [Fact]
    public void Mask_rows_are_read_with_their_instance_and_ignore_masks()
    {
        using var dir = new TempDir();
        var ds = DatasetLoader.Load(Write(dir, Good + "b.jpg,a_m0.png,\n"), new DatasetLoadOptions { VerifyImageHeaders = true });
        Assert.True(ds.HasMasks);
        Assert.Equal(["a_m0.png"], ds.Images[0].Masks);
        Assert.Equal("a_ignore.png", ds.Images[0].IgnoreMask);
        Assert.Equal(["b_m0.png", "a_m0.png"], ds.Images[1].Masks);
        Assert.Equal([2, 3], ds.Images[1].MaskLines);
        Assert.Null(ds.Images[1].IgnoreMask);
        Assert.Empty(ds.Images[0].Boxes);
    }

    [Theory]
    [InlineData("a.jpg,a_m0.png,a_ignore.png\nb.jpg,b_m0.png,\nb.jpg,a_m0.png,b_ignore.png\n", "test/localization.txt, line 3, ignore: only the image's first row names its ignore mask; leave it empty here.")]
    [InlineData("a.jpg,a_m0.jpg,\nb.jpg,b_m0.png,\n", "test/localization.txt, line 1, mask: 'a_m0.jpg' is not a .png file; masks are 8-bit greyscale PNGs.")]
    [InlineData("a.jpg,gone.png,\nb.jpg,b_m0.png,\n", "test/localization.txt, line 1, mask: 'gone.png' does not exist.")]
    [InlineData("a.jpg,../x.png,\nb.jpg,b_m0.png,\n", "test/localization.txt, line 1, mask: '../x.png' has an empty, '.' or '..' segment.")]
    [InlineData("a.jpg,a_m0.png,a_ignore.png\nb.jpg,b_m0.png\n", "test/localization.txt, line 2, line: expected 'path,mask,ignore' (masks) like the file's first line.")]
    [InlineData("a.jpg,a_m0.png,\n", "test/localization.txt: 'b.jpg' has no mask.")]
    public void A_bad_mask_row_is_reported_with_file_line_and_field(string localization, string problem)
    {
        using var dir = new TempDir();
        var ex = Assert.Throws<DatasetException>(() => DatasetLoader.Load(Write(dir, localization)));
        Assert.Contains(problem, ex.Problems.Select(p => p.ToString()));
    }

    [Fact]
    public void A_mask_of_another_size_is_refused_when_headers_are_read_and_when_a_run_reads_it()
    {
        using var dir = new TempDir();
        var root = Write(dir, Good, d => SaveMask(Path.Combine(d.Path, "b_m0.png"), 5, 5, (_, _) => 0));
        const string expected = "test/localization.txt, line 2, mask: 'b_m0.png' is 5x5 but its image 'b.jpg' is 10x8.";
        var ex = Assert.Throws<DatasetException>(() => DatasetLoader.Load(root, new DatasetLoadOptions { VerifyImageHeaders = true }));
        Assert.Equal(expected, ex.Problems[0].ToString());
        var dataset = DatasetLoader.Load(root);
        var e = Assert.Throws<DatasetException>(() => MaskGroundTruth.Load(dataset, dataset.Images[1], 10, 8, 224, new ImageDecoder()));
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void Mask_values_other_than_0_and_255_and_colour_masks_are_refused()
    {
        using var dir = new TempDir();
        var root = Write(dir, Good, d =>
        {
            SaveMask(Path.Combine(d.Path, "a_m0.png"), 10, 8, (x, y) => x == 3 && y == 2 ? (byte)128 : (byte)0);
            using var rgb = new Image<Rgb24>(10, 8);
            rgb.SaveAsPng(Path.Combine(d.Path, "b_m0.png"));
        });
        var dataset = DatasetLoader.Load(root);
        var decoder = new ImageDecoder();
        Assert.Equal("test/localization.txt, line 1, mask: 'a_m0.png' has the value 128 at (3, 2); mask values must be 0 (background) or 255 (object).",
            Assert.Throws<DatasetException>(() => MaskGroundTruth.Load(dataset, dataset.Images[0], 10, 8, 224, decoder)).Message);
        Assert.Equal("test/localization.txt, line 2, mask: 'b_m0.png' is a 8-bit RGB PNG; a mask must be an 8-bit greyscale PNG (0 background, 255 object).",
            Assert.Throws<DatasetException>(() => MaskGroundTruth.Load(dataset, dataset.Images[1], 10, 8, 224, decoder)).Message);
    }

    /// <summary>
    /// At S = 10 the 10 x 8 masks keep their columns; rows come from floor(0.8 y) = 0, 0, 1, 2, 3, 4, 4, 5, 6, 7, so the
    /// instance (x 2..5, source rows 1..4) covers rows 2..6: box (2, 2, 5, 6), 20 pixels. The ignore mask (x ≥ 5) minus
    /// the object leaves 50 - 5 = 45 ignored pixels.
    /// </summary>
    [Fact]
    public void Instances_are_united_and_the_ignore_region_leaves_out_the_object()
    {
        using var dir = new TempDir();
        var dataset = DatasetLoader.Load(Write(dir, Good));
        var mask = MaskGroundTruth.Load(dataset, dataset.Images[0], 10, 8, 10, new ImageDecoder());
        Assert.Equal([new Box(2, 2, 5, 6)], mask.InstanceBoxes);
        Assert.Equal(MaskGroundTruth.Object, mask.Pixels[6 * 10 + 5]);
        Assert.Equal(MaskGroundTruth.Ignored, mask.Pixels[8 * 10 + 5]);
        Assert.Equal(MaskGroundTruth.Background, mask.Pixels[8 * 10 + 4]);
        Assert.Equal(20, mask.Pixels.Count(p => p == MaskGroundTruth.Object));
        Assert.Equal(45, mask.Pixels.Count(p => p == MaskGroundTruth.Ignored));
    }

    /// <summary>OpenCV's INTER_NEAREST: source x = floor(x · (1 / (4 / 3))) = floor(0.75 x): 0, 0, 1, 2.</summary>
    [Fact]
    public void Nearest_resizing_picks_floor_of_x_over_the_scale_as_opencv()
    {
        byte[] src = [10, 20, 30, 40, 50, 60];   // 3 x 2
        var dst = MaskGroundTruth.ResizeNearest(src, 3, 2, 4);
        Assert.Equal([10, 10, 20, 30], dst[..4]);
        Assert.Equal([10, 10, 20, 30], dst[4..8]);  // y: floor(0.5 y): 0, 0, 1, 1
        Assert.Equal([40, 40, 50, 60], dst[8..12]);
        Assert.Equal([40, 40, 50, 60], dst[12..]);
    }

    [Fact]
    public void An_image_listed_in_two_splits_keeps_one_copy_of_its_masks()
    {
        using var dir = new TempDir();
        var root = Write(dir, Good);
        dir.Write("train/image_ids.txt", "a.jpg\n");
        dir.Write("train/class_labels.txt", "a.jpg,0\n");
        dir.Write("train/localization.txt", "a.jpg,a_m0.png,a_ignore.png\n");
        var a = DatasetLoader.Load(root).Images.Single(i => i.Id == "a.jpg");
        Assert.Equal(["a_m0.png"], a.Masks);
        Assert.True(a.IsTrain && a.IsTest);
        Assert.Equal("a_ignore.png", a.IgnoreMask);
    }
}
