using System.Text.Json;
using InfoCamWeb.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InfoCamWeb.Core.Tests.Imaging;

/// <summary>Pixels as PIL's <c>Image.open(p).convert('RGB')</c> gives them, or a refusal that names the format.</summary>
public class ImageDecoderTests
{
    private static string Png16(string file) => Path.Combine(Fixtures.RepoRoot, "tests", "InfoCamWeb.Core.Tests", "Imaging", "png16", file);

    /// <summary>The PNGs and Pillow's bytes come from tools/make_png16_goldens.py (Pillow 9.4, Debian 12).</summary>
    [Theory]
    [InlineData("grey")]        // PIL mode I: every value above 255 becomes 255
    [InlineData("grey-alpha")]  // high byte, alpha dropped
    [InlineData("rgb")]         // high byte
    [InlineData("rgba")]        // high byte, alpha dropped
    public void A_16_bit_png_decodes_to_the_bytes_pil_gives(string name)
    {
        using var golden = JsonDocument.Parse(File.ReadAllText(Png16("pil-rgb.json")));
        var expected = Convert.FromBase64String(golden.RootElement.GetProperty("images").GetProperty(name).GetProperty("rgb").GetString()!);
        var image = new ImageDecoder().Decode(Png16(name + ".png"));
        Assert.Equal((23, 17), (image.Width, image.Height));
        Assert.Equal(expected, image.Pixels);
    }

    [Fact]
    public void A_16_bit_grey_png_saturates_where_rounding_would_not()
    {
        // The goldens' grey rows below the fourth hold values above 255: PIL gives 255 where v/257 would give less.
        var image = new ImageDecoder().Decode(Png16("grey.png"));
        Assert.All(image.Pixels.Skip(23 * 3 * 5).Take(23 * 3), v => Assert.Equal(255, v));
    }

    public static TheoryData<string> OtherFormats() => new() { "BMP", "GIF", "TIFF", "WebP" };

    [Theory]
    [MemberData(nameof(OtherFormats))]
    public void Formats_pil_reads_but_the_engine_does_not_are_refused_by_name(string format)
    {
        using var image = new Image<Rgb24>(8, 6, new Rgb24(10, 20, 30));
        using var stream = new MemoryStream();
        switch (format)
        {
            case "BMP": image.SaveAsBmp(stream); break;
            case "GIF": image.SaveAsGif(stream); break;
            case "TIFF": image.SaveAsTiff(stream); break;
            default: image.SaveAsWebp(stream); break;
        }
        stream.Position = 0;
        var ex = Assert.Throws<ImageDecodeException>(() => new ImageDecoder().Decode(stream, "x.img"));
        Assert.Equal($"x.img: is a {format} image; InfoCamWeb reads JPEG and PNG (8- and 16-bit) only (convert it to PNG, which keeps every pixel).", ex.Message);
    }

    [Fact]
    public void Unknown_bytes_are_refused_with_the_formats_accepted()
    {
        using var stream = new MemoryStream("not an image at all"u8.ToArray());
        var ex = Assert.Throws<ImageDecodeException>(() => new ImageDecoder().Decode(stream, "x.jpg"));
        Assert.Equal("x.jpg: is not an image InfoCamWeb reads (JPEG and PNG (8- and 16-bit)).", ex.Message);
    }
}
