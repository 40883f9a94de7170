namespace InfoCamWeb.Core.Imaging;

/// <summary>
/// What the first bytes of a file say it is, for the formats PIL reads that this engine refuses by name (BMP, GIF, TIFF,
/// WebP and a few more), and a PNG's bit depth and colour type from its IHDR chunk.
/// </summary>
public static class ImageFormats
{
    public const string Accepted = "JPEG and PNG (8- and 16-bit)";

    /// <summary>The format's name when the bytes start like one PIL (or a camera) writes; null when they are not recognised.</summary>
    public static string? Sniff(ReadOnlySpan<byte> head)
    {
        static bool At(ReadOnlySpan<byte> s, int offset, string text) =>
            s.Length >= offset + text.Length && s.Slice(offset, text.Length).SequenceEqual(System.Text.Encoding.Latin1.GetBytes(text));
        if (At(head, 0, "BM")) return "BMP";
        if (At(head, 0, "GIF87a") || At(head, 0, "GIF89a")) return "GIF";
        if (At(head, 0, "II*\0") || At(head, 0, "MM\0*")) return "TIFF";
        if (At(head, 0, "RIFF") && At(head, 8, "WEBP")) return "WebP";
        if (At(head, 4, "ftypheic") || At(head, 4, "ftypheix") || At(head, 4, "ftypmif1")) return "HEIF";
        if (At(head, 4, "ftypavif")) return "AVIF";
        if (At(head, 0, "\0\0\0\fjP  ") || At(head, 0, "\xff\x4f\xff\x51")) return "JPEG 2000";
        if (At(head, 0, "P1") || At(head, 0, "P2") || At(head, 0, "P3") || At(head, 0, "P4") || At(head, 0, "P5") || At(head, 0, "P6")) return "PNM";
        if (At(head, 0, "\0\0\x01\0")) return "ICO";
        return null;
    }

    /// <summary>The refusal for a file that is neither JPEG nor PNG, naming its format when it is recognised.</summary>
    public static string Refusal(ReadOnlySpan<byte> head) => Sniff(head) is { } format
        ? $"is a {format} image; InfoCamWeb reads {Accepted} only (convert it to PNG, which keeps every pixel)."
        : $"is not an image InfoCamWeb reads ({Accepted}).";

    /// <summary>A PNG's IHDR bit depth and colour type (the file starts with the 8-byte signature, then IHDR).</summary>
    public static (int BitDepth, int ColourType) PngHeader(ReadOnlySpan<byte> head) =>
        head.Length >= 26 ? (head[24], head[25]) : (0, 0);
}
