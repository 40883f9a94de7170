using InfoCamWeb.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace InfoCamWeb.Core.Tests.Imaging;

public class TurboJpegTests
{
    private const string Missing = "libturbojpeg.so.0 is not installed (Debian: libturbojpeg0); SkiaSharp's libjpeg-turbo decodes alone";

    private static RgbImage Skia(byte[] jpeg, int width, int height) => SkiaJpeg.Decode(new MemoryStream(jpeg), "x.jpg", width, height);

    private static IEnumerable<string> DemoImages() =>
        Directory.GetFiles(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-cub", "images"), "*.jpg", SearchOption.AllDirectories).Order();

    [SkippableFact]
    public void The_system_library_gives_every_demo_image_the_pixels_skiasharp_gives()
    {
        Skip.IfNot(TurboJpeg.IsAvailable, Missing);
        int count = 0;
        foreach (var path in DemoImages())
        {
            var bytes = File.ReadAllBytes(path);
            var info = Image.Identify(bytes);
            var ours = TurboJpeg.TryDecode(bytes, info.Width, info.Height, null);
            Assert.NotNull(ours);
            Assert.True(Skia(bytes, info.Width, info.Height).Pixels.AsSpan().SequenceEqual(ours.Pixels), path);
            count++;
        }
        Assert.True(count >= 100);
    }

    public static TheoryData<string> Encodings() => new() { "YCbCrRatio444", "YCbCrRatio422", "YCbCrRatio420", "YCbCrRatio411", "Luminance" };

    [SkippableTheory]
    [MemberData(nameof(Encodings))]
    public void Each_chroma_subsampling_and_greyscale_decode_to_the_pixels_skiasharp_gives(string colourType)
    {
        Skip.IfNot(TurboJpeg.IsAvailable, Missing);
        using var source = Image.Load<Rgb24>(DemoImages().First());
        using var stream = new MemoryStream();
        source.SaveAsJpeg(stream, new JpegEncoder { Quality = 87, ColorType = Enum.Parse<JpegColorType>(colourType) });
        var bytes = stream.ToArray();

        var ours = TurboJpeg.TryDecode(bytes, source.Width, source.Height, null);

        Assert.NotNull(ours);
        Assert.Equal(Skia(bytes, source.Width, source.Height).Pixels, ours.Pixels);
    }

    [SkippableFact]
    public void A_truncated_file_or_a_size_that_disagrees_with_the_header_is_left_to_skiasharp()
    {
        Skip.IfNot(TurboJpeg.IsAvailable, Missing);
        var bytes = File.ReadAllBytes(DemoImages().First());
        var info = Image.Identify(bytes);
        Assert.Null(TurboJpeg.TryDecode(bytes.AsSpan(0, bytes.Length / 3), info.Width, info.Height, null));
        Assert.Null(TurboJpeg.TryDecode(bytes, info.Width + 1, info.Height, null));
        Assert.Null(TurboJpeg.TryDecode("not a jpeg"u8, 4, 4, null));
    }

    [Fact]
    public void A_truncated_jpeg_is_still_reported_as_truncated_whichever_library_is_installed()
    {
        using var dir = new TempDir();
        var bytes = File.ReadAllBytes(DemoImages().First());
        var path = Path.Combine(dir.Path, "cut.jpg");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 3)]);
        var ex = Assert.Throws<ImageDecodeException>(() => new ImageDecoder().Decode(path));
        Assert.Equal($"{path}: the JPEG data is truncated.", ex.Message);
    }
}
