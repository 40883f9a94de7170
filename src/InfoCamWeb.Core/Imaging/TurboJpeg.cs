using System.Buffers;
using System.Runtime.InteropServices;

namespace InfoCamWeb.Core.Imaging;

/// <summary>
/// JPEG decoding with the system's libjpeg-turbo through its TurboJPEG API (<c>libturbojpeg.so.0</c>, Debian's
/// <c>libturbojpeg0</c>): the library and settings PIL uses (ISLOW IDCT, fancy upsampling), built with its SIMD code,
/// about twice as fast as the copy inside SkiaSharp, and the same pixels. Optional: without the library, or for
/// anything it does not decode cleanly (CMYK, truncated or corrupt data, any warning), <see cref="TryDecode"/> returns
/// null and the caller decodes with SkiaSharp as before, which also reports the file's problem.
/// </summary>
internal static unsafe class TurboJpeg
{
    private const int PixelFormatRgb = 0;
    private const int ColourspaceCmyk = 3, ColourspaceYcck = 4;

    private static readonly Api? Native = Load();

    /// <summary>True when the library was found (INFOCAM_TURBOJPEG=0 turns it off, for comparisons).</summary>
    public static bool IsAvailable => Native is not null;

    /// <summary>Which JPEG decoder runs, for benchmarks and diagnostics.</summary>
    public static string Description => IsAvailable ? "libjpeg-turbo (system libturbojpeg.so.0)" : "libjpeg-turbo (SkiaSharp's copy)";

    /// <summary>The image's RGB pixels, or null when the caller should decode it another way.</summary>
    public static RgbImage? TryDecode(ReadOnlySpan<byte> jpeg, int width, int height, ArrayPool<byte>? pool)
    {
        if (Native is not { } api || jpeg.IsEmpty) return null;
        nint handle = api.Init();
        if (handle == 0) return null;
        byte[]? rgb = null;
        try
        {
            fixed (byte* src = jpeg)
            {
                int w, h, subsampling, colourspace;
                if (api.Header(handle, src, (nuint)jpeg.Length, &w, &h, &subsampling, &colourspace) != 0
                    || w != width || h != height || colourspace is ColourspaceCmyk or ColourspaceYcck)
                {
                    return null;
                }
                int length = checked(width * height * 3);
                rgb = pool?.Rent(length) ?? new byte[length];
                fixed (byte* dst = rgb)
                {
                    // Non-zero: an error or a warning (truncated or corrupt data). SkiaSharp then decides as before.
                    if (api.Decompress(handle, src, (nuint)jpeg.Length, dst, width, width * 3, height, PixelFormatRgb, 0) != 0)
                    {
                        return null;
                    }
                }
                var image = new RgbImage(width, height, rgb) { Pool = pool };
                rgb = null;
                return image;
            }
        }
        finally
        {
            if (rgb is not null) pool?.Return(rgb);
            api.Destroy(handle);
        }
    }

    private sealed class Api
    {
        public required delegate* unmanaged<nint> Init;
        public required delegate* unmanaged<nint, byte*, nuint, int*, int*, int*, int*, int> Header;
        public required delegate* unmanaged<nint, byte*, nuint, byte*, int, int, int, int, int, int> Decompress;
        public required delegate* unmanaged<nint, int> Destroy;
    }

    private static Api? Load()
    {
        // TurboJPEG's sizes are C unsigned longs: 64-bit on 64-bit Linux, which nuint matches there (not on Windows).
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess || Environment.GetEnvironmentVariable("INFOCAM_TURBOJPEG") == "0"
            || !NativeLibrary.TryLoad("libturbojpeg.so.0", out var lib))
        {
            return null;
        }
        if (NativeLibrary.TryGetExport(lib, "tjInitDecompress", out var init) && NativeLibrary.TryGetExport(lib, "tjDecompressHeader3", out var header)
            && NativeLibrary.TryGetExport(lib, "tjDecompress2", out var decompress) && NativeLibrary.TryGetExport(lib, "tjDestroy", out var destroy))
        {
            return new Api
            {
                Init = (delegate* unmanaged<nint>)init,
                Header = (delegate* unmanaged<nint, byte*, nuint, int*, int*, int*, int*, int>)header,
                Decompress = (delegate* unmanaged<nint, byte*, nuint, byte*, int, int, int, int, int, int>)decompress,
                Destroy = (delegate* unmanaged<nint, int>)destroy,
            };
        }
        return null;
    }
}
