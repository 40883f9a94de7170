using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Datasets;

/// <summary>
/// An image's mask ground truth in the S x S frame, as wsolevaluation's <c>get_mask</c> builds it: each instance mask
/// resized nearest (OpenCV's INTER_NEAREST) and united, the ignore mask resized the same way minus the foreground.
/// <see cref="Pixels"/> is 0 (background), 1 (object) or 255 (ignored); <see cref="InstanceBoxes"/> are the tight boxes
/// of the resized instance masks (this project's addition, so box scores exist for mask datasets too).
/// </summary>
public sealed record MaskGroundTruth(byte[] Pixels, Box[] InstanceBoxes)
{
    public const byte Background = 0, Object = 1, Ignored = 255;

    /// <summary>Reads and checks the masks of <paramref name="image"/> (whose decoded size is <paramref name="width"/> x <paramref name="height"/>).</summary>
    public static MaskGroundTruth Load(Dataset dataset, ImageRecord image, int width, int height, int size, ImageDecoder decoder)
    {
        var pixels = new byte[size * size];
        var boxes = new List<Box>(image.Masks.Count);
        for (int i = 0; i < image.Masks.Count; i++)
        {
            var resized = Read(dataset, image, image.Masks[i], i < image.MaskLines.Count ? image.MaskLines[i] : 0, "mask", width, height, size, decoder);
            int x0 = size, y0 = size, x1 = -1, y1 = -1;
            for (int p = 0; p < resized.Length; p++)
            {
                if (resized[p] == 0) continue;
                pixels[p] = Object;
                int x = p % size, y = p / size;
                (x0, y0, x1, y1) = (Math.Min(x0, x), Math.Min(y0, y), Math.Max(x1, x), Math.Max(y1, y));
            }
            if (x1 >= 0) boxes.Add(new Box(x0, y0, x1, y1));
        }
        if (image.IgnoreMask is { } ignore)
        {
            var resized = Read(dataset, image, ignore, image.MaskLines.Count > 0 ? image.MaskLines[0] : 0, "ignore", width, height, size, decoder);
            for (int p = 0; p < resized.Length; p++)
            {
                if (resized[p] != 0 && pixels[p] != Object) pixels[p] = Ignored;
            }
        }
        return new MaskGroundTruth(pixels, [.. boxes]);
    }

    private static byte[] Read(Dataset dataset, ImageRecord image, string path, int line, string field, int width, int height, int size, ImageDecoder decoder)
    {
        DatasetProblem Problem(string message) => new(image.MasksIn, line, field, $"'{path}' {message}");
        var full = DatasetPaths.Resolve(dataset.ImagesRoot, path) ?? throw new DatasetException(Problem("leaves the dataset folder."));
        int w, h;
        byte[] grey;
        try
        {
            (w, h, grey) = decoder.DecodeMask(full);
        }
        catch (ImageDecodeException ex)
        {
            throw new DatasetException(Problem(ex.Message[(ex.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..]));
        }
        if (w != width || h != height)
        {
            throw new DatasetException(Problem($"is {w}x{h} but its image '{image.RelativePath}' is {width}x{height}."));
        }
        int bad = Array.FindIndex(grey, v => v is not (0 or 255));
        if (bad >= 0)
        {
            throw new DatasetException(Problem($"has the value {grey[bad]} at ({bad % w}, {bad / w}); mask values must be 0 (background) or 255 (object)."));
        }
        return ResizeNearest(grey, w, h, size);
    }

    /// <summary>OpenCV's <c>resize(..., INTER_NEAREST)</c> to <paramref name="size"/> x <paramref name="size"/>: source index floor(d / scale), scale = size / source.</summary>
    public static byte[] ResizeNearest(byte[] src, int width, int height, int size)
    {
        double ifx = 1.0 / ((double)size / width), ify = 1.0 / ((double)size / height);
        var xs = new int[size];
        for (int x = 0; x < size; x++) xs[x] = Math.Min((int)Math.Floor(x * ifx), width - 1);
        var dst = new byte[size * size];
        for (int y = 0; y < size; y++)
        {
            int sy = Math.Min((int)Math.Floor(y * ify), height - 1);
            for (int x = 0; x < size; x++) dst[y * size + x] = src[sy * width + xs[x]];
        }
        return dst;
    }
}
