using InfoCamWeb.Core.Datasets;

namespace InfoCamWeb.Core.Tests.Datasets;

public class DatasetLoaderTests
{
    private static readonly DatasetLoadOptions AnnotationsOnly = new() { VerifyImageFiles = false };

    [Fact]
    public void Reads_the_real_cub_annotations_at_full_scale()
    {
        var ds = DatasetLoader.Load(Fixtures.Path_("cub200-annotations"), AnnotationsOnly);
        Assert.Equal(DatasetLayout.Cub, ds.Layout);
        Assert.Equal(11788, ds.Images.Count);
        Assert.Equal(200, ds.ClassCount);
        Assert.Equal(5794, ds.Select(DatasetSplit.Test).Count);
        Assert.Equal(5994, ds.Select(DatasetSplit.Train).Count);
        Assert.Equal("001.Black_footed_Albatross", ds.ClassNames[0]);
        var first = ds.Images[0];
        Assert.Equal("1", first.Id);
        Assert.Equal(0, first.ClassIndex);
        Assert.Equal((500, 335), (first.Width!.Value, first.Height!.Value));
        Assert.Equal(new GroundTruthBox(60, 27, 385, 331), Assert.Single(first.Boxes));
        Assert.False(first.IsTrain);
        var priors = ds.TrainPriors()!;
        Assert.Equal(1.0, priors.Sum(), 9);
    }

    [Fact]
    public void Reads_the_wsolevaluation_cub_metadata_with_its_three_splits()
    {
        var ds = DatasetLoader.Load(Fixtures.Path_("wsol-metadata-cub"), AnnotationsOnly);
        Assert.Equal(DatasetLayout.WsolEvaluation, ds.Layout);
        Assert.Equal(200, ds.ClassCount);
        Assert.Equal(5794, ds.Select(DatasetSplit.Test).Count);
        Assert.Equal(5994, ds.Select(DatasetSplit.Train).Count);
        Assert.Equal(5794 + 5994 + 1000, ds.Images.Count);
        var first = ds.Select(DatasetSplit.Test)[0];
        Assert.Equal("001.Black_footed_Albatross/Black_Footed_Albatross_0046_18.jpg", first.Id);
        Assert.Equal(0, first.ClassIndex);
        Assert.Equal(new GroundTruthBox(60, 27, 385, 331), first.Boxes[0]);
    }

    [Fact]
    public void Cub_and_wsolevaluation_metadata_agree_on_every_test_image()
    {
        var cub = DatasetLoader.Load(Fixtures.Path_("cub200-annotations"), AnnotationsOnly).Select(DatasetSplit.Test);
        var wsol = DatasetLoader.Load(Fixtures.Path_("wsol-metadata-cub"), AnnotationsOnly).Select(DatasetSplit.Test)
            .ToDictionary(i => i.RelativePath);
        foreach (var img in cub)
        {
            var w = wsol[img.RelativePath];
            Assert.Equal(img.ClassIndex, w.ClassIndex);
            Assert.Equal(img.Width, w.Width);
        }
    }

    [Fact]
    public void A_single_wrapping_folder_is_accepted()
    {
        using var dir = new TempDir();
        TinyCub.Write(dir, "CUB_200_2011");
        var ds = DatasetLoader.Load(dir.Path);
        Assert.Equal(3, ds.Images.Count);
        Assert.EndsWith("CUB_200_2011", ds.Root);
    }

    [Theory]
    [InlineData("bounding_boxes.txt", "1 NaN 2 3 4", "bounding_boxes.txt, line 1, x: 'NaN' is not a finite number")]
    [InlineData("bounding_boxes.txt", "1 1e309 2 3 4", "bounding_boxes.txt, line 1, x: '1e309' is not a finite number")]
    [InlineData("bounding_boxes.txt", "1 12,5 2 3 4", "bounding_boxes.txt, line 1, x: '12,5' is not a finite number")]
    [InlineData("bounding_boxes.txt", "1 1 2 0 4", "bounding_boxes.txt, line 1, width: must be positive")]
    [InlineData("bounding_boxes.txt", "1 1 2 3", "bounding_boxes.txt, line 1, line: expected '<image id> <x> <y> <width> <height>', found 4 field(s)")]
    [InlineData("bounding_boxes.txt", "9 1 2 3 4", "bounding_boxes.txt, line 1, image id: 9 is not in images.txt")]
    [InlineData("image_class_labels.txt", "1 0", "image_class_labels.txt, line 1, class id: '0' ids start at 1")]
    [InlineData("image_class_labels.txt", "1 3", "image_class_labels.txt, line 1, class id: 3 is not in classes.txt (classes 1..2)")]
    [InlineData("images.txt", "1 ../../etc/passwd", "images.txt, line 1, path: '../../etc/passwd' has an empty, '.' or '..' segment")]
    [InlineData("images.txt", "1 /etc/passwd", "images.txt, line 1, path: '/etc/passwd' is an absolute path")]
    [InlineData("images.txt", "012 a/x.jpg", "images.txt, line 1, image id: '012' has a leading zero")]
    [InlineData("train_test_split.txt", "1 yes", "train_test_split.txt, line 1, is_training_image: 'yes' must be 1 (train) or 0 (test)")]
    [InlineData("classes.txt", "1 a\n1 b", "classes.txt, line 2, class id: 1 is listed twice")]
    public void A_bad_line_is_reported_with_file_line_and_field(string file, string firstLine, string expected)
    {
        using var dir = new TempDir();
        TinyCub.Write(dir, "");
        var path = Path.Combine(dir.Path, file);
        var lines = File.ReadAllLines(path).ToList();
        var replacement = firstLine.Split('\n');
        lines.RemoveRange(0, Math.Min(replacement.Length, lines.Count));
        lines.InsertRange(0, replacement);
        File.WriteAllLines(path, lines);
        var ex = Assert.Throws<DatasetException>(() => DatasetLoader.Load(dir.Path));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Invalid_utf8_and_utf16_are_refused()
    {
        using var dir = new TempDir();
        TinyCub.Write(dir, "");
        File.WriteAllBytes(Path.Combine(dir.Path, "classes.txt"), [(byte)'1', (byte)' ', 0xC3, 0x28, (byte)'\n', (byte)'2', (byte)' ', (byte)'b', (byte)'\n']);
        var ex = Assert.Throws<DatasetException>(() => DatasetLoader.Load(dir.Path));
        Assert.Contains("classes.txt, line 1, encoding: is not valid UTF-8", ex.Message);

        File.WriteAllText(Path.Combine(dir.Path, "classes.txt"), "1 a\n2 b\n", System.Text.Encoding.Unicode);
        ex = Assert.Throws<DatasetException>(() => DatasetLoader.Load(dir.Path));
        Assert.Contains("classes.txt, line 1, encoding: is UTF-16", ex.Message);
    }

    [Fact]
    public void A_bom_and_crlf_line_ends_are_tolerated()
    {
        using var dir = new TempDir();
        TinyCub.Write(dir, "");
        File.WriteAllText(Path.Combine(dir.Path, "classes.txt"), "1 a\r\n2 b\r\n", new System.Text.UTF8Encoding(true));
        var ds = DatasetLoader.Load(dir.Path);
        Assert.Equal(["a", "b"], ds.ClassNames);
    }

    [Fact]
    public void A_missing_file_and_a_missing_image_are_named()
    {
        using var dir = new TempDir();
        TinyCub.Write(dir, "");
        File.Delete(Path.Combine(dir.Path, "train_test_split.txt"));
        File.Delete(Path.Combine(dir.Path, "images", "a", "2.jpg"));
        var ex = Assert.Throws<DatasetException>(() => DatasetLoader.Load(dir.Path));
        Assert.Contains("train_test_split.txt: is missing", ex.Message);
        Assert.Contains("images.txt, line 2, path: images/a/2.jpg does not exist", ex.Message);
    }

    [Fact]
    public void At_most_one_hundred_problems_are_listed_with_a_count_of_the_rest()
    {
        using var dir = new TempDir();
        TinyCub.Write(dir, "");
        File.WriteAllLines(Path.Combine(dir.Path, "bounding_boxes.txt"), Enumerable.Range(0, 150).Select(_ => "1 x 1 1 1"));
        var ex = Assert.Throws<DatasetException>(() => DatasetLoader.Load(dir.Path));
        Assert.Equal(100, ex.Problems.Count);
        Assert.True(ex.TotalProblems >= 150);
        Assert.Contains("more)", ex.Message);
    }
}

/// <summary>A 3-image, 2-class CUB folder with 1x1 placeholder image files (the loader does not decode them).</summary>
internal static class TinyCub
{
    public static string Write(TempDir dir, string sub)
    {
        string P(string f) => Path.Combine(sub, f);
        dir.Write(P("images.txt"), "1 a/1.jpg\n2 a/2.jpg\n3 b/3.jpg\n");
        dir.Write(P("image_class_labels.txt"), "1 1\n2 1\n3 2\n");
        dir.Write(P("bounding_boxes.txt"), "1 1.0 2.0 3.0 4.0\n2 0 0 5 5\n3 2 2 2 2\n");
        dir.Write(P("train_test_split.txt"), "1 0\n2 1\n3 0\n");
        dir.Write(P("classes.txt"), "1 a\n2 b\n");
        foreach (var f in new[] { "a/1.jpg", "a/2.jpg", "b/3.jpg" })
        {
            dir.Write(P(Path.Combine("images", f)), "x");
        }
        return Path.Combine(dir.Path, sub);
    }
}

public class DatasetImageHeaderTests
{
    private static byte[] Png(int w, int h)
    {
        using var img = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(w, h);
        using var ms = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(img, ms);
        return ms.ToArray();
    }

    /// <summary>A PNG whose header claims a huge size (IHDR only, a tiny body): refused before any pixel is decoded.</summary>
    private static byte[] HugePngHeader()
    {
        var png = Png(1, 1);
        // IHDR width and height are big-endian at offsets 16 and 20.
        byte[] big = [0x00, 0x01, 0x86, 0xA0]; // 100000
        big.CopyTo(png, 16);
        big.CopyTo(png, 20);
        uint crc = Crc32(png.AsSpan(12, 17)); // chunk type + 13 data bytes
        png[29] = (byte)(crc >> 24);
        png[30] = (byte)(crc >> 16);
        png[31] = (byte)(crc >> 8);
        png[32] = (byte)crc;
        return png;
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (var b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return c ^ 0xFFFFFFFF;
    }

    [Fact]
    public void Bad_images_are_reported_with_the_list_file_and_line_when_headers_are_verified()
    {
        using var dir = new TempDir();
        TinyCub.Write(dir, "");
        dir.WriteBytes("images/a/1.jpg", Png(10, 10));
        dir.WriteBytes("images/a/2.jpg", HugePngHeader());
        dir.WriteBytes("images/b/3.jpg", "GIF89a\x01\x00\x01\x00"u8.ToArray());
        var ex = Assert.Throws<DatasetException>(() => DatasetLoader.Load(dir.Path, new DatasetLoadOptions { VerifyImageHeaders = true }));
        Assert.Contains(ex.Problems, p => p.ToString().StartsWith("images.txt, line 2, image: 'a/2.jpg' 100000x100000 pixels exceeds the limit", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.ToString() == "images.txt, line 3, image: 'b/3.jpg' not a JPEG or PNG image.");
        Assert.Equal(2, ex.TotalProblems);
        // Without the check the annotations alone are valid.
        Assert.Equal(3, DatasetLoader.Load(dir.Path).Images.Count);
    }
}

public class OversizedAnnotationTests
{
    [Fact]
    public void A_one_megabyte_line_is_refused_with_its_line_number()
    {
        using var dir = new TempDir();
        TinyCub.Write(dir, "");
        File.AppendAllText(Path.Combine(dir.Path, "images.txt"), "4 " + new string('a', 1 << 20) + ".jpg\n");
        var ex = Assert.Throws<DatasetException>(() => DatasetLoader.Load(dir.Path));
        Assert.Contains("images.txt, line 4, line: is 1048582 bytes long; the limit is 4096.", ex.Message);
    }

    [Theory]
    [InlineData("1234567890 a/1.jpg", "images.txt, line 1, image id: '1234567890' is not a positive integer.")]
    [InlineData("0 a/1.jpg", "images.txt, line 1, image id: '0' ids start at 1.")]
    public void Zero_and_huge_ids_are_refused(string line, string expected)
    {
        using var dir = new TempDir();
        TinyCub.Write(dir, "");
        var lines = File.ReadAllLines(Path.Combine(dir.Path, "images.txt"));
        lines[0] = line;
        File.WriteAllLines(Path.Combine(dir.Path, "images.txt"), lines);
        Assert.Contains(expected, Assert.Throws<DatasetException>(() => DatasetLoader.Load(dir.Path)).Message);
    }
}
