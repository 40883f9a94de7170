using System.Buffers;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;

namespace InfoCamWeb.Core.Imaging;

/// <summary>Why an image could not be read.</summary>
public sealed class ImageDecodeException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Which library turns JPEG bytes into pixels.</summary>
public enum JpegDecoderKind
{
    /// <summary>libjpeg-turbo (through SkiaSharp): the decoder PIL uses, so pixels match the PyTorch references exactly.</summary>
    LibJpegTurbo,

    /// <summary>ImageSharp's managed decoder: differs from libjpeg-turbo by a level or two on some pixels.</summary>
    ImageSharp,
}

/// <summary>
/// Defensive image decoding: only JPEG and PNG (8- and 16-bit) are accepted, other formats refused by name, the header is read first (ImageSharp's identify) and the
/// pixel count capped before any pixel is decoded, and allocations are limited. JPEG pixels come from libjpeg-turbo
/// by default (docs/adr/0002-jpeg-decoding.md: ImageSharp's JPEG decoder moved 44 % of the demo's boxes against the
/// PIL-based reference; libjpeg-turbo moves none). Converts to RGB without EXIF rotation (neither reference applies
/// it); alpha is dropped like PIL's <c>convert('RGB')</c>.
/// </summary>
public sealed class ImageDecoder
{
    public const long DefaultMaxPixels = 64L * 1024 * 1024;
    private readonly Configuration _configuration;

    public ImageDecoder(long maxPixels = DefaultMaxPixels, int allocationLimitMegabytes = 1024, JpegDecoderKind jpeg = JpegDecoderKind.LibJpegTurbo)
    {
        MaxPixels = maxPixels;
        Jpeg = jpeg;
        _configuration = new Configuration(new JpegConfigurationModule(), new PngConfigurationModule())
        {
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { AllocationLimitMegabytes = allocationLimitMegabytes }),
        };
        // Metadata is never used; skipping it keeps compressed text and colour-profile chunks (zTXt, iTXt, iCCP, EXIF)
        // from being inflated: a 400 KB PNG with a 400 MB zTXt chunk took 10 s to identify otherwise.
        _configuration.ImageFormatsManager.SetDecoder(PngFormat.Instance, new PngDecoder { IgnoreMetadata = true });
        _configuration.ImageFormatsManager.SetDecoder(JpegFormat.Instance, new JpegDecoder { IgnoreMetadata = true });
    }

    public long MaxPixels { get; }

    public JpegDecoderKind Jpeg { get; }

    /// <summary>Reads only the header: width and height.</summary>
    public (int Width, int Height) Identify(string path)
    {
        using var stream = Open(path);
        return Identify(stream, path);
    }

    /// <param name="pool">Where a JPEG's pixels come from (the caller returns them when done); new arrays without one.</param>
    public RgbImage Decode(string path, ArrayPool<byte>? pool = null)
    {
        using var stream = Open(path);
        return Decode(stream, path, pool);
    }

    /// <inheritdoc cref="Decode(string, ArrayPool{byte}?)"/>
    public RgbImage Decode(Stream stream, string name, ArrayPool<byte>? pool = null)
    {
        long start = stream.Position;
        var (width, height, isJpeg) = IdentifyWithFormat(stream, name);
        stream.Position = start;
        if (isJpeg && Jpeg == JpegDecoderKind.LibJpegTurbo)
        {
            return DecodeJpeg(stream, name, width, height, pool);
        }
        var (bitDepth, colourType) = isJpeg ? (8, 0) : ImageFormats.PngHeader(Head(stream, start));
        try
        {
            return bitDepth == 16 ? DecodePng16(stream, colourType) : Decode8(stream);
        }
        catch (Exception ex) when (IsDecodeFailure(ex))
        {
            throw new ImageDecodeException($"{name}: cannot be decoded ({ex.Message.TrimEnd('.')}).", ex);
        }
    }

    /// <summary>
    /// libjpeg-turbo's pixels: from the system's TurboJPEG library when it is installed and decodes the file cleanly,
    /// otherwise from SkiaSharp's copy (the same pixels, about half as fast), which also reports a broken file.
    /// </summary>
    private static RgbImage DecodeJpeg(Stream stream, string name, int width, int height, ArrayPool<byte>? pool)
    {
        if (!TurboJpeg.IsAvailable || !stream.CanSeek || stream.Length - stream.Position is <= 0 or > int.MaxValue)
        {
            return SkiaJpeg.Decode(stream, name, width, height, pool);
        }
        int length = (int)(stream.Length - stream.Position);
        var bytes = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            stream.ReadExactly(bytes, 0, length);
            return TurboJpeg.TryDecode(bytes.AsSpan(0, length), width, height, pool)
                ?? SkiaJpeg.Decode(new MemoryStream(bytes, 0, length, writable: false), name, width, height, pool);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>What a decoder throws on a broken or hostile file (as opposed to a bug of ours).</summary>
    private static bool IsDecodeFailure(Exception ex) =>
        ex is ImageFormatException or UnknownImageFormatException or InvalidImageContentException or InvalidMemoryOperationException
            or NotSupportedException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or OverflowException
            or EndOfStreamException;

    /// <summary>
    /// A mask: an 8-bit (or 1-, 2-, 4-bit) greyscale PNG as its grey values, row-major, with the same header checks
    /// and pixel cap as images; anything else is refused with what it is.
    /// </summary>
    public (int Width, int Height, byte[] Grey) DecodeMask(string path)
    {
        using var stream = Open(path);
        var (width, height, isJpeg) = IdentifyWithFormat(stream, path);
        var (bitDepth, colourType) = isJpeg ? (8, 2) : ImageFormats.PngHeader(Head(stream, 0));
        if (isJpeg || colourType != 0 || bitDepth > 8)
        {
            var what = isJpeg ? "a JPEG" : $"a {bitDepth}-bit {PngColour(colourType)} PNG";
            throw new ImageDecodeException($"{path}: is {what}; a mask must be an 8-bit greyscale PNG (0 background, 255 object).");
        }
        stream.Position = 0;
        try
        {
            using var image = Image.Load<L8>(_configuration, stream);
            var grey = new byte[width * height];
            image.CopyPixelDataTo(grey);
            return (width, height, grey);
        }
        catch (Exception ex) when (IsDecodeFailure(ex))
        {
            throw new ImageDecodeException($"{path}: cannot be decoded ({ex.Message.TrimEnd('.')}).", ex);
        }
    }

    private static string PngColour(int colourType) => colourType switch
    {
        0 => "greyscale",
        2 => "RGB",
        3 => "palette",
        4 => "greyscale+alpha",
        6 => "RGBA",
        _ => $"colour-type-{colourType}",
    };

    private RgbImage Decode8(Stream stream)
    {
        using var image = Image.Load<Rgb24>(_configuration, stream);
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        return new RgbImage(image.Width, image.Height, pixels);
    }

    /// <summary>
    /// A 16-bit PNG as PIL's <c>convert('RGB')</c> makes it (Pillow's PNG modes): grey opens as mode I and every value
    /// above 255 becomes 255; grey+alpha, RGB and RGBA keep each sample's high byte; alpha is dropped.
    /// </summary>
    private RgbImage DecodePng16(Stream stream, int colourType)
    {
        using var image = Image.Load<Rgba64>(_configuration, stream);
        var pixels = new byte[image.Width * image.Height * 3];
        bool grey = colourType == 0;
        int width = image.Width;
        // Row by row: a full managed copy of the 16-bit samples would double the memory of a large image.
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                int o = y * width * 3;
                foreach (var p in row)
                {
                    pixels[o++] = grey ? (byte)Math.Min(p.R, (ushort)255) : (byte)(p.R >> 8);
                    pixels[o++] = grey ? (byte)Math.Min(p.G, (ushort)255) : (byte)(p.G >> 8);
                    pixels[o++] = grey ? (byte)Math.Min(p.B, (ushort)255) : (byte)(p.B >> 8);
                }
            }
        });
        return new RgbImage(image.Width, image.Height, pixels);
    }

    /// <summary>The first bytes of the file (its signature and, for a PNG, the IHDR chunk); the stream is left at <paramref name="start"/>.</summary>
    private static byte[] Head(Stream stream, long start)
    {
        var head = new byte[32];
        stream.Position = start;
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = start;
        return head[..read];
    }

    private (int Width, int Height) Identify(Stream stream, string name)
    {
        var (w, h, _) = IdentifyWithFormat(stream, name);
        return (w, h);
    }

    private (int Width, int Height, bool IsJpeg) IdentifyWithFormat(Stream stream, string name)
    {
        IImageInfo? info;
        IImageFormat? format;
        long start = stream.Position;
        try
        {
            info = Image.Identify(_configuration, stream, out format);
        }
        catch (Exception ex) when (ex is ImageFormatException or InvalidImageContentException or NotSupportedException
                                       or InvalidOperationException or ArgumentException or IndexOutOfRangeException or EndOfStreamException)
        {
            throw new ImageDecodeException($"{name}: the image header cannot be read ({ex.Message.TrimEnd('.')}).", ex);
        }
        if (info is null || format is null)
        {
            throw new ImageDecodeException($"{name}: {ImageFormats.Refusal(Head(stream, start))}");
        }
        if (info.Width < 1 || info.Height < 1)
        {
            throw new ImageDecodeException($"{name}: the header gives an empty size {info.Width}x{info.Height}.");
        }
        if ((long)info.Width * info.Height > MaxPixels)
        {
            throw new ImageDecodeException($"{name}: {info.Width}x{info.Height} pixels exceeds the limit of {MaxPixels} pixels.");
        }
        return (info.Width, info.Height, format is JpegFormat);
    }

    private static FileStream Open(string path)
    {
        if (Directory.Exists(path))
        {
            throw new ImageDecodeException($"{path}: is a folder, not an image.");
        }
        try
        {
            var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
            if (fs.Length == 0)
            {
                fs.Dispose();
                throw new ImageDecodeException($"{path}: the file is empty.");
            }
            return fs;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ImageDecodeException($"{path}: cannot be opened ({ex.Message.TrimEnd('.')}).", ex);
        }
    }
}
