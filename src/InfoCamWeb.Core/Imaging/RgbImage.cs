using System.Buffers;

namespace InfoCamWeb.Core.Imaging;

/// <summary>An 8-bit RGB image, row-major, 3 bytes per pixel.</summary>
public sealed class RgbImage
{
    public RgbImage(int width, int height, byte[] pixels)
    {
        if (width < 1 || height < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"Image size {width}x{height} is empty.");
        }
        if (pixels.Length < width * height * 3)
        {
            throw new ArgumentException("Pixel buffer is smaller than the image.", nameof(pixels));
        }
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    public byte[] Pixels { get; }

    /// <summary>The pool <see cref="Pixels"/> was rented from, if any: <see cref="Release"/> gives them back.</summary>
    internal ArrayPool<byte>? Pool { get; init; }

    /// <summary>Returns rented pixels to their pool; the image must not be used afterwards. Does nothing for an image that owns its pixels.</summary>
    internal void Release() => Pool?.Return(Pixels);
}
