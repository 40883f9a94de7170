using InfoCamWeb.Core.Localization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace InfoCamWeb.Core.Imaging;

/// <summary>Pixel drawing for result views: heatmap colouring and blending, box outlines, PNG encoding.</summary>
public static class Overlay
{
    /// <summary>The "jet" colour of a level 0..255 (blue, cyan, yellow, red), as CAM figures usually show it.</summary>
    public static (byte R, byte G, byte B) Jet(byte level) => Jet(level / 255.0);

    /// <summary>The "jet" colour of a value in [0, 1]: piecewise linear, bending at 1/8, 3/8, 5/8 and 7/8.</summary>
    public static (byte R, byte G, byte B) Jet(double x)
    {
        static byte C(double v) => (byte)Math.Round(255 * Math.Clamp(v, 0, 1));
        return (C(1.5 - Math.Abs(4 * x - 3)), C(1.5 - Math.Abs(4 * x - 2)), C(1.5 - Math.Abs(4 * x - 1)));
    }

    /// <summary>Blends a quantised map (<paramref name="mapSize"/> square, scaled to the image by nearest neighbour) over the image.</summary>
    public static void BlendHeatmap(RgbImage image, ReadOnlySpan<byte> map, int mapSize, double alpha = 0.5)
    {
        var px = image.Pixels;
        for (int y = 0; y < image.Height; y++)
        {
            int my = Math.Min(mapSize - 1, y * mapSize / image.Height);
            for (int x = 0; x < image.Width; x++)
            {
                int mx = Math.Min(mapSize - 1, x * mapSize / image.Width);
                var (r, g, b) = Jet(map[my * mapSize + mx]);
                int o = (y * image.Width + x) * 3;
                px[o] = (byte)Math.Round(px[o] * (1 - alpha) + r * alpha);
                px[o + 1] = (byte)Math.Round(px[o + 1] * (1 - alpha) + g * alpha);
                px[o + 2] = (byte)Math.Round(px[o + 2] * (1 - alpha) + b * alpha);
            }
        }
    }

    /// <summary>
    /// Mask ground truth (<c>MaskGroundTruth.Pixels</c>: 0 background, 1 object, 255 ignored, in a <paramref name="frameSize"/>
    /// square frame) over the image, scaled by nearest neighbour: the object tinted and outlined in <paramref name="colour"/>
    /// (<paramref name="tint"/> 0 leaves only the outline), the ignored region greyed.
    /// </summary>
    public static void DrawMask(RgbImage image, ReadOnlySpan<byte> truth, int frameSize, (byte R, byte G, byte B) colour, double tint = 0.3)
    {
        var px = image.Pixels;
        for (int y = 0; y < image.Height; y++)
        {
            int my = Math.Min(frameSize - 1, y * frameSize / image.Height);
            for (int x = 0; x < image.Width; x++)
            {
                int mx = Math.Min(frameSize - 1, x * frameSize / image.Width);
                byte t = truth[my * frameSize + mx];
                int o = (y * image.Width + x) * 3;
                if (t == 255)
                {
                    for (int c = 0; c < 3; c++) px[o + c] = (byte)((px[o + c] + 128) / 2);
                }
                else if (t == 1 && IsEdge(truth, frameSize, image, x, y))
                {
                    (px[o], px[o + 1], px[o + 2]) = colour;
                }
                else if (t == 1 && tint > 0)
                {
                    px[o] = (byte)Math.Round(px[o] * (1 - tint) + colour.R * tint);
                    px[o + 1] = (byte)Math.Round(px[o + 1] * (1 - tint) + colour.G * tint);
                    px[o + 2] = (byte)Math.Round(px[o + 2] * (1 - tint) + colour.B * tint);
                }
            }
        }
    }

    /// <summary>An object pixel of the image whose right, left, upper or lower image neighbour falls on a non-object frame pixel.</summary>
    private static bool IsEdge(ReadOnlySpan<byte> truth, int frameSize, RgbImage image, int x, int y) =>
        !IsObject(truth, frameSize, image, x - 1, y) || !IsObject(truth, frameSize, image, x + 1, y) ||
        !IsObject(truth, frameSize, image, x, y - 1) || !IsObject(truth, frameSize, image, x, y + 1);

    private static bool IsObject(ReadOnlySpan<byte> truth, int frameSize, RgbImage image, int x, int y) =>
        (uint)x < (uint)image.Width && (uint)y < (uint)image.Height &&
        truth[Math.Min(frameSize - 1, y * frameSize / image.Height) * frameSize + Math.Min(frameSize - 1, x * frameSize / image.Width)] == 1;

    /// <summary>Draws the outline of <paramref name="box"/> (inclusive corners in a <paramref name="frameSize"/> square frame) scaled to the image.</summary>
    public static void DrawBox(RgbImage image, Box box, int frameSize, (byte R, byte G, byte B) colour, int thickness = 2) =>
        DrawBox(image, box, frameSize, frameSize, colour, thickness);

    /// <summary>Draws the outline of <paramref name="box"/> given in a <paramref name="frameWidth"/> x <paramref name="frameHeight"/> frame, scaled to the image.</summary>
    public static void DrawBox(RgbImage image, Box box, int frameWidth, int frameHeight, (byte R, byte G, byte B) colour, int thickness = 2)
    {
        double sx = image.Width / (double)frameWidth, sy = image.Height / (double)frameHeight;
        int x0 = (int)(box.X0 * sx), y0 = (int)(box.Y0 * sy);
        int x1 = Math.Min(image.Width - 1, (int)((box.X1 + 1) * sx) - 1), y1 = Math.Min(image.Height - 1, (int)((box.Y1 + 1) * sy) - 1);
        for (int t = 0; t < thickness; t++)
        {
            for (int x = x0; x <= x1; x++)
            {
                Set(image, x, y0 + t, colour);
                Set(image, x, y1 - t, colour);
            }
            for (int y = y0; y <= y1; y++)
            {
                Set(image, x0 + t, y, colour);
                Set(image, x1 - t, y, colour);
            }
        }
    }

    private static void Set(RgbImage image, int x, int y, (byte R, byte G, byte B) c)
    {
        if ((uint)x >= (uint)image.Width || (uint)y >= (uint)image.Height) return;
        int o = (y * image.Width + x) * 3;
        image.Pixels[o] = c.R;
        image.Pixels[o + 1] = c.G;
        image.Pixels[o + 2] = c.B;
    }

    /// <summary>
    /// JPEG at quality 90 without chroma subsampling (4:4:4, so thin coloured box lines stay their colour): a heatmap
    /// view of a photo is a fifth of its PNG size and decodes faster in the browser.
    /// </summary>
    public static byte[] EncodeJpeg(RgbImage image, int quality = 90)
    {
        using var img = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        using var ms = new MemoryStream();
        img.Save(ms, new JpegEncoder { Quality = quality, ColorType = JpegColorType.YCbCrRatio444 });
        return ms.ToArray();
    }

    public static byte[] EncodePng(RgbImage image)
    {
        using var img = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        using var ms = new MemoryStream();
        img.Save(ms, new PngEncoder { CompressionLevel = PngCompressionLevel.BestSpeed });
        return ms.ToArray();
    }
}
