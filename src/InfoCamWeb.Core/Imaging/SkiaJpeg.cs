using SkiaSharp;

namespace InfoCamWeb.Core.Imaging;

/// <summary>JPEG decoding with libjpeg-turbo (inside SkiaSharp's native library), called only after the header was checked.</summary>
internal static class SkiaJpeg
{
    public static RgbImage Decode(Stream stream, string name, int width, int height)
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
        var rgba = bitmap.GetPixelSpan();
        var rgb = new byte[width * height * 3];
        for (int i = 0, j = 0; j < rgb.Length; i += 4, j += 3)
        {
            rgb[j] = rgba[i];
            rgb[j + 1] = rgba[i + 1];
            rgb[j + 2] = rgba[i + 2];
        }
        return new RgbImage(width, height, rgb);
    }
}
