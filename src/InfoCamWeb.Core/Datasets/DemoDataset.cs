using System.Globalization;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace InfoCamWeb.Core.Datasets;

/// <summary>
/// Writes seeded synthetic datasets in CUB_200_2011 layout. The "birds" of all classes share body, head and tail and
/// differ only in a small mark on the head (colour x shape), as CUB species differ in small parts, so CAM-style maps
/// favour the mark while the ground-truth box covers the whole bird.
/// </summary>
public static class DemoDataset
{
    public static readonly string[] MarkColours = ["red", "blue", "yellow", "green"];
    public static readonly string[] MarkShapes = ["dot", "stripe"];
    private static readonly Rgb24[] Palette = [new(220, 30, 30), new(30, 70, 230), new(235, 215, 20), new(30, 190, 60)];

    public static int ClassCount => MarkColours.Length * MarkShapes.Length;

    public static string ClassName(int c) => $"{c + 1:000}.{MarkColours[c % MarkColours.Length]}_{MarkShapes[c / MarkColours.Length]}_finch";

    /// <summary>The demo: <paramref name="perClass"/> images per class, half train, half test, varied non-square sizes.</summary>
    public static int WriteDemo(string folder, int perClass = 40, int seed = 2024, int quality = 90)
    {
        var rng = new Random(seed);
        var images = new List<(int Id, string Path, int Class, bool Train, int W, int H, (double X, double Y, double W, double H) Box)>();
        int id = 0;
        for (int c = 0; c < ClassCount; c++)
        {
            for (int i = 0; i < perClass; i++)
            {
                id++;
                int w = rng.Next(150, 241), h = rng.Next(120, 201);
                double bw = w * (0.45 + 0.4 * rng.NextDouble()), bh = h * (0.45 + 0.4 * rng.NextDouble());
                double bx = rng.NextDouble() * (w - bw), by = rng.NextDouble() * (h - bh);
                var path = $"{ClassName(c)}/{ClassName(c)[4..]}_{i + 1:0000}.jpg";
                images.Add((id, path, c, i % 2 == 0, w, h, (Math.Floor(bx), Math.Floor(by), Math.Floor(bw), Math.Floor(bh))));
            }
        }
        WriteCub(folder, images.Select(x => (x.Id, x.Path, x.Class, x.Train, x.W, x.H, x.Box)).ToList(),
            Enumerable.Range(0, ClassCount).Select(ClassName).ToList(), seed, quality, tightBoxes: true);
        return images.Count;
    }

    /// <summary>
    /// "CUB geometry": one synthetic image per image of the real CUB annotations (its real size, class and box, a bird drawn
    /// in the box), for benchmarks at real scale. Class c gets the mark of class c mod 8.
    /// </summary>
    public static int WriteCubGeometry(string annotations, string folder, DatasetSplit split = DatasetSplit.Test, int seed = 7, int quality = 85, int? limit = null)
    {
        var real = DatasetLoader.Load(annotations, new DatasetLoadOptions { VerifyImageFiles = false });
        var rng = new Random(seed);
        var chosen = real.Select(split).Take(limit ?? int.MaxValue).ToList();
        var images = new List<(int, string, int, bool, int, int, (double, double, double, double))>();
        foreach (var img in chosen)
        {
            int w = img.Width ?? 500, h = img.Height ?? 375;
            var b = img.Boxes[0];
            images.Add((int.Parse(img.Id, CultureInfo.InvariantCulture), img.RelativePath, img.ClassIndex, img.IsTrain, w, h,
                (b.X0, b.Y0, b.X1 - b.X0, b.Y1 - b.Y0)));
        }
        _ = rng;
        WriteCub(folder, images, real.ClassNames, seed, quality, tightBoxes: false);
        return images.Count;
    }

    private static void WriteCub(string folder, List<(int Id, string Path, int Class, bool Train, int W, int H, (double X, double Y, double W, double H) Box)> images,
        IReadOnlyList<string> classNames, int seed, int quality, bool tightBoxes)
    {
        Directory.CreateDirectory(folder);
        var imagesRoot = Path.Combine(folder, "images");
        var encoder = new JpegEncoder { Quality = quality };
        var lines = new StringBuilder();
        var labels = new StringBuilder();
        var boxes = new StringBuilder();
        var split = new StringBuilder();
        var sizes = new StringBuilder();
        foreach (var img in images)
        {
            var rng = new Random(ImageSeed(seed, img.Id));
            var pixels = new Rgb24[img.W * img.H];
            DrawBackground(pixels, img.W, img.H, rng);
            var drawn = DrawBird(pixels, img.W, img.H, img.Box, img.Class % ClassCount, rng);
            var box = tightBoxes ? drawn : img.Box;
            var full = Path.Combine(imagesRoot, img.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            using (var image = Image.LoadPixelData<Rgb24>(pixels, img.W, img.H))
            {
                image.SaveAsJpeg(full, encoder);
            }
            var inv = CultureInfo.InvariantCulture;
            lines.Append(inv, $"{img.Id} {img.Path}\n");
            labels.Append(inv, $"{img.Id} {img.Class + 1}\n");
            boxes.Append(inv, $"{img.Id} {box.X:0.0} {box.Y:0.0} {box.W:0.0} {box.H:0.0}\n");
            split.Append(inv, $"{img.Id} {(img.Train ? 1 : 0)}\n");
            sizes.Append(inv, $"{img.Id} {img.W} {img.H}\n");
        }
        File.WriteAllText(Path.Combine(folder, "images.txt"), lines.ToString());
        File.WriteAllText(Path.Combine(folder, "image_class_labels.txt"), labels.ToString());
        File.WriteAllText(Path.Combine(folder, "bounding_boxes.txt"), boxes.ToString());
        File.WriteAllText(Path.Combine(folder, "train_test_split.txt"), split.ToString());
        File.WriteAllText(Path.Combine(folder, "image_sizes.txt"), sizes.ToString());
        File.WriteAllText(Path.Combine(folder, "classes.txt"),
            string.Concat(classNames.Select((n, i) => $"{i + 1} {n}\n")));
    }

    /// <summary>
    /// An OpenImages-shaped demo in wsolevaluation metadata: train/, val/ and test/ with image_ids.txt, class_labels.txt
    /// (0-based) and a localization.txt of masks (<c>path,mask,ignore</c>). Each bird is an instance mask (every painted
    /// pixel, 0/255 PNG); every third image has a second instance (a fledgling), and each image an ignore region (a
    /// rectangle of clutter). No image_sizes.txt, as in OpenImages: sizes come from the headers.
    /// </summary>
    public static int WriteMaskDemo(string folder, int perClass = 20, int seed = 30, int quality = 90)
    {
        var rng = new Random(seed);
        var splits = new Dictionary<string, (StringBuilder Ids, StringBuilder Labels, StringBuilder Masks)>();
        foreach (var name in new[] { "train", "val", "test" }) splits[name] = (new(), new(), new());
        int count = 0;
        for (int c = 0; c < ClassCount; c++)
        {
            for (int i = 0; i < perClass; i++)
            {
                var path = $"{ClassName(c)}/{ClassName(c)[4..]}_{i + 1:0000}";
                var split = (i % 4) switch { 0 or 2 => "train", 1 => "test", _ => "val" };
                var rows = WriteMaskImage(Path.Combine(folder, "images"), path, c, rng.Next(), quality);
                var (ids, labels, masks) = splits[split];
                ids.Append(CultureInfo.InvariantCulture, $"{path}.jpg\n");
                labels.Append(CultureInfo.InvariantCulture, $"{path}.jpg,{c}\n");
                masks.Append(rows);
                count++;
            }
        }
        foreach (var (name, (ids, labels, masks)) in splits)
        {
            Directory.CreateDirectory(Path.Combine(folder, name));
            File.WriteAllText(Path.Combine(folder, name, "image_ids.txt"), ids.ToString());
            File.WriteAllText(Path.Combine(folder, name, "class_labels.txt"), labels.ToString());
            File.WriteAllText(Path.Combine(folder, name, "localization.txt"), masks.ToString());
        }
        return count;
    }

    /// <summary>
    /// An ImageNet-shaped dataset in wsolevaluation metadata, for scale: <paramref name="images"/> test images over
    /// <paramref name="classes"/> classes (image i has class i mod classes), each with 1 to 3 birds and one box per bird
    /// (about 1.5 per image, as ImageNet's val boxes), and one training image per class (for the class priors). Small
    /// images (geometry is not the point; counts are), image_sizes.txt given as ILSVRC's metadata does.
    /// </summary>
    public static int WriteImageNetShaped(string folder, int images = 50_000, int classes = 1000, int seed = 11, int quality = 80)
    {
        var test = (Ids: new StringBuilder(), Labels: new StringBuilder(), Boxes: new StringBuilder(), Sizes: new StringBuilder());
        var train = (Ids: new StringBuilder(), Labels: new StringBuilder(), Boxes: new StringBuilder(), Sizes: new StringBuilder());
        var encoder = new JpegEncoder { Quality = quality };
        int total = images + classes;
        for (int i = 0; i < total; i++)
        {
            bool isTrain = i >= images;
            int cls = isTrain ? i - images : i % classes;
            var path = isTrain ? $"train/n{cls:00000}/{cls:00000}_train.jpg" : $"val/n{cls:00000}/ILSVRC_val_{i + 1:00000000}.jpg";
            var rows = WriteShapedImage(Path.Combine(folder, "images"), path, cls, ImageSeed(seed, i), encoder);
            var split = isTrain ? train : test;
            split.Ids.Append(CultureInfo.InvariantCulture, $"{path}\n");
            split.Labels.Append(CultureInfo.InvariantCulture, $"{path},{cls}\n");
            split.Boxes.Append(rows.Boxes);
            split.Sizes.Append(CultureInfo.InvariantCulture, $"{path},{rows.W},{rows.H}\n");
        }
        foreach (var (name, split) in new[] { ("test", test), ("train", train) })
        {
            Directory.CreateDirectory(Path.Combine(folder, name));
            File.WriteAllText(Path.Combine(folder, name, "image_ids.txt"), split.Ids.ToString());
            File.WriteAllText(Path.Combine(folder, name, "class_labels.txt"), split.Labels.ToString());
            File.WriteAllText(Path.Combine(folder, name, "localization.txt"), split.Boxes.ToString());
            File.WriteAllText(Path.Combine(folder, name, "image_sizes.txt"), split.Sizes.ToString());
        }
        return total;
    }

    /// <summary>One image of 1 to 3 birds (one box each, tight); returns its localization.txt rows and size.</summary>
    private static (string Boxes, int W, int H) WriteShapedImage(string imagesRoot, string path, int cls, int seed, JpegEncoder encoder)
    {
        var rng = new Random(seed);
        int w = rng.Next(120, 201), h = rng.Next(100, 161);
        var pixels = new Rgb24[w * h];
        DrawBackground(pixels, w, h, rng);
        int birds = rng.NextDouble() switch { < 0.6 => 1, < 0.9 => 2, _ => 3 };
        var rows = new StringBuilder();
        for (int b = 0; b < birds; b++)
        {
            double bw = w * (0.3 + 0.4 * rng.NextDouble()) / Math.Sqrt(birds), bh = h * (0.3 + 0.4 * rng.NextDouble()) / Math.Sqrt(birds);
            var drawn = DrawBird(pixels, w, h, (Math.Floor(rng.NextDouble() * (w - bw)), Math.Floor(rng.NextDouble() * (h - bh)), Math.Floor(bw), Math.Floor(bh)), cls, rng);
            rows.Append(CultureInfo.InvariantCulture, $"{path},{drawn.X},{drawn.Y},{drawn.X + drawn.W},{drawn.Y + drawn.H}\n");
        }
        var full = Path.Combine(imagesRoot, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using (var image = Image.LoadPixelData<Rgb24>(pixels, w, h))
        {
            image.SaveAsJpeg(full, encoder);
        }
        return (rows.ToString(), w, h);
    }

    /// <summary>One image with its instance masks and ignore mask; returns its localization.txt rows.</summary>
    private static string WriteMaskImage(string imagesRoot, string path, int cls, int seed, int quality)
    {
        var rng = new Random(seed);
        int w = rng.Next(150, 241), h = rng.Next(120, 201);
        var pixels = new Rgb24[w * h];
        DrawBackground(pixels, w, h, rng);
        double bw = w * (0.45 + 0.35 * rng.NextDouble()), bh = h * (0.45 + 0.35 * rng.NextDouble());
        var bird = new bool[w * h];
        DrawBird(pixels, w, h, (Math.Floor(rng.NextDouble() * (w - bw)), Math.Floor(rng.NextDouble() * (h - bh)), Math.Floor(bw), Math.Floor(bh)), cls, rng, bird);
        var instances = new List<bool[]> { bird };
        if (seed % 3 == 0)
        {
            var chick = new bool[w * h];
            FillEllipse(pixels, w, h, rng.NextDouble() * w, rng.NextDouble() * h, w * 0.06, h * 0.05, new Rgb24(120, 95, 70), null, rng, 10, chick);
            instances.Add(chick);
        }
        var ignore = new bool[w * h];
        int ix = rng.Next(0, w / 2), iy = rng.Next(0, h / 2), iw = rng.Next(w / 8, w / 3), ih = rng.Next(h / 8, h / 3);
        for (int y = iy; y < Math.Min(h, iy + ih); y++) for (int x = ix; x < Math.Min(w, ix + iw); x++) ignore[y * w + x] = true;

        var full = Path.Combine(imagesRoot, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using (var image = Image.LoadPixelData<Rgb24>(pixels, w, h))
        {
            image.SaveAsJpeg(full + ".jpg", new JpegEncoder { Quality = quality });
        }
        SaveMask(full + "_ignore.png", ignore, w, h);
        var rows = new StringBuilder();
        for (int k = 0; k < instances.Count; k++)
        {
            SaveMask($"{full}_m{k}.png", instances[k], w, h);
            rows.Append(CultureInfo.InvariantCulture, $"{path}.jpg,{path}_m{k}.png,{(k == 0 ? path + "_ignore.png" : "")}\n");
        }
        return rows.ToString();
    }

    private static void SaveMask(string file, bool[] mask, int w, int h)
    {
        using var image = Image.LoadPixelData<SixLabors.ImageSharp.PixelFormats.L8>(mask.Select(m => new SixLabors.ImageSharp.PixelFormats.L8(m ? (byte)255 : (byte)0)).ToArray(), w, h);
        image.SaveAsPng(file, new SixLabors.ImageSharp.Formats.Png.PngEncoder
        {
            ColorType = SixLabors.ImageSharp.Formats.Png.PngColorType.Grayscale, BitDepth = SixLabors.ImageSharp.Formats.Png.PngBitDepth.Bit8,
        });
    }

    /// <summary>A per-image seed that is the same in every process (HashCode.Combine is randomised per process).</summary>
    private static int ImageSeed(int seed, int image) => unchecked(seed * 1_000_003 + image * 7919);

    private static void DrawBackground(Rgb24[] px, int w, int h, Random rng)
    {
        // A soft two-colour gradient ("sky" / "foliage") with grain and a few clutter blobs.
        var a = new Rgb24((byte)rng.Next(90, 200), (byte)rng.Next(120, 210), (byte)rng.Next(120, 230));
        var b = new Rgb24((byte)rng.Next(40, 140), (byte)rng.Next(80, 170), (byte)rng.Next(40, 120));
        for (int y = 0; y < h; y++)
        {
            double t = (double)y / Math.Max(1, h - 1);
            for (int x = 0; x < w; x++)
            {
                int n = rng.Next(-12, 13);
                px[y * w + x] = new Rgb24(
                    Clamp(a.R + (b.R - a.R) * t + n), Clamp(a.G + (b.G - a.G) * t + n), Clamp(a.B + (b.B - a.B) * t + n));
            }
        }
        int blobs = rng.Next(2, 6);
        for (int i = 0; i < blobs; i++)
        {
            double cx = rng.NextDouble() * w, cy = rng.NextDouble() * h, r = (0.04 + 0.08 * rng.NextDouble()) * Math.Min(w, h);
            var col = new Rgb24((byte)rng.Next(60, 140), (byte)rng.Next(70, 130), (byte)rng.Next(40, 90));
            FillEllipse(px, w, h, cx, cy, r * 1.4, r, col, null, rng, 0);
        }
    }

    /// <summary>Draws the bird inside the box; returns the tight box of the painted pixels as (x, y, w, h).</summary>
    private static (double X, double Y, double W, double H) DrawBird(Rgb24[] px, int w, int h, (double X, double Y, double W, double H) box, int cls, Random rng, bool[]? mask = null)
    {
        bool right = rng.Next(2) == 0;
        double bx = box.X, by = box.Y, bw = Math.Max(box.W, 8), bh = Math.Max(box.H, 8);
        double Fx(double u) => right ? bx + u * bw : bx + (1 - u) * bw;
        var body = new Rgb24((byte)rng.Next(110, 150), (byte)rng.Next(85, 115), (byte)rng.Next(60, 85));
        var bounds = new int[] { int.MaxValue, int.MaxValue, int.MinValue, int.MinValue };

        // tail (a thin wedge), body, head
        for (int i = 0; i < 12; i++)
        {
            double u = 0.03 + i * 0.018;
            FillEllipse(px, w, h, Fx(u + 0.06), by + bh * (0.62 - i * 0.004), bw * 0.07, bh * (0.05 + i * 0.006), Darker(body, 20), bounds, rng, 10, mask);
        }
        FillEllipse(px, w, h, Fx(0.5), by + 0.6 * bh, bw * 0.34, bh * 0.33, body, bounds, rng, 14, mask);
        double hr = Math.Min(0.16 * bw, 0.26 * bh);
        double hx = Fx(0.8), hy = by + 0.3 * bh;
        FillEllipse(px, w, h, hx, hy, hr, hr, Darker(body, -10), bounds, rng, 10, mask);
        // beak
        FillEllipse(px, w, h, Fx(0.8) + (right ? 1 : -1) * hr * 1.05, hy + hr * 0.15, hr * 0.35, hr * 0.15, new Rgb24(60, 50, 40), bounds, rng, 0, mask);
        // the class mark: colour x shape on the head
        var colour = Palette[cls % Palette.Length];
        if (cls / Palette.Length == 0)
        {
            FillEllipse(px, w, h, hx, hy - hr * 0.1, hr * 0.42, hr * 0.42, colour, null, rng, 8, mask);
        }
        else
        {
            FillEllipse(px, w, h, hx, hy - hr * 0.1, hr * 0.85, hr * 0.2, colour, null, rng, 8, mask);
        }
        // legs
        FillEllipse(px, w, h, Fx(0.45), by + 0.93 * bh, bw * 0.015 + 1, bh * 0.06, new Rgb24(50, 40, 30), bounds, rng, 0, mask);
        FillEllipse(px, w, h, Fx(0.55), by + 0.93 * bh, bw * 0.015 + 1, bh * 0.06, new Rgb24(50, 40, 30), bounds, rng, 0, mask);
        return (bounds[0], bounds[1], bounds[2] - bounds[0] + 1, bounds[3] - bounds[1] + 1);
    }

    private static void FillEllipse(Rgb24[] px, int w, int h, double cx, double cy, double rx, double ry, Rgb24 c, int[]? bounds, Random rng, int grain, bool[]? mask = null)
    {
        int x0 = Math.Max(0, (int)Math.Floor(cx - rx)), x1 = Math.Min(w - 1, (int)Math.Ceiling(cx + rx));
        int y0 = Math.Max(0, (int)Math.Floor(cy - ry)), y1 = Math.Min(h - 1, (int)Math.Ceiling(cy + ry));
        for (int y = y0; y <= y1; y++)
        {
            for (int x = x0; x <= x1; x++)
            {
                double dx = (x + 0.5 - cx) / rx, dy = (y + 0.5 - cy) / ry;
                if (dx * dx + dy * dy > 1) continue;
                int n = grain > 0 ? rng.Next(-grain, grain + 1) : 0;
                px[y * w + x] = new Rgb24(Clamp(c.R + n), Clamp(c.G + n), Clamp(c.B + n));
                if (mask is not null) mask[y * w + x] = true;
                if (bounds is not null)
                {
                    bounds[0] = Math.Min(bounds[0], x);
                    bounds[1] = Math.Min(bounds[1], y);
                    bounds[2] = Math.Max(bounds[2], x);
                    bounds[3] = Math.Max(bounds[3], y);
                }
            }
        }
    }

    private static Rgb24 Darker(Rgb24 c, int d) => new(Clamp(c.R - d), Clamp(c.G - d), Clamp(c.B - d));

    private static byte Clamp(double v) => (byte)Math.Clamp((int)Math.Round(v), 0, 255);
}
