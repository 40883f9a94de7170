using System.Buffers;
using System.Runtime.Intrinsics;
using SkiaSharp;

namespace InfoCamWeb.Core.Imaging;

/// <summary>JPEG decoding with libjpeg-turbo (inside SkiaSharp's native library), called only after the header was checked.</summary>
internal static class SkiaJpeg
{
    public static RgbImage Decode(Stream stream, string name, int width, int height, ArrayPool<byte>? pool = null)
    {
        using var data = SKData.Create(stream);
        if (data is null)
        {
            throw new ImageDecodeException($"{name}: cannot be read.");
        }
        using var codec = SKCodec.Create(new SKMemoryStream(data), out var createResult);
        if (codec is null)
        {
            throw new ImageDecodeException($"{name}: cannot be decoded as JPEG ({createResult}).");
        }
        if (codec.Info.Width != width || codec.Info.Height != height)
        {
            throw new ImageDecodeException($"{name}: the JPEG header says {width}x{height} but the decoder sees {codec.Info.Width}x{codec.Info.Height}.");
        }
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap();
        if (!bitmap.TryAllocPixels(info))
        {
            throw new ImageDecodeException($"{name}: not enough memory for {width}x{height} pixels.");
        }
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw new ImageDecodeException($"{name}: cannot be decoded ({result}).");
        }
        if (result == SKCodecResult.IncompleteInput)
        {
            throw new ImageDecodeException($"{name}: the JPEG data is truncated.");
        }
        var rgb = pool?.Rent(width * height * 3) ?? new byte[width * height * 3];
        DropAlpha(bitmap.GetPixelSpan(), rgb.AsSpan(0, width * height * 3));
        return new RgbImage(width, height, rgb) { Pool = pool };
    }

    /// <summary>RGBA to RGB; 16 bytes (4 pixels) in, 12 out, per shuffle where the hardware has one.</summary>
    internal static void DropAlpha(ReadOnlySpan<byte> rgba, Span<byte> rgb)
    {
        int i = 0, j = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var shuffle = Vector128.Create((byte)0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0, 0, 0, 0);
            // Each store writes 16 bytes of which 12 count: stop while 4 spare bytes remain in the output.
            for (; j + 16 <= rgb.Length; i += 16, j += 12)
            {
                Vector128.Shuffle(Vector128.Create(rgba.Slice(i, 16)), shuffle).CopyTo(rgb.Slice(j, 16));
            }
        }
        for (; j < rgb.Length; i += 4, j += 3)
        {
            rgb[j] = rgba[i];
            rgb[j + 1] = rgba[i + 1];
            rgb[j + 2] = rgba[i + 2];
        }
    }
}
