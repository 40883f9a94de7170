using System.Security.Cryptography;
using System.Text.Json;
using InfoCamWeb.Core.Imaging;

namespace InfoCamWeb.Core.Tests.Imaging;

public class PilResizeTests
{
    /// <summary>The synthetic image of tools/make_pil_goldens.py.</summary>
    internal static RgbImage Synth(int w, int h)
    {
        var data = new byte[w * h * 3];
        int i = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    data[i++] = (byte)((x * 7 + y * 13 + c * 50 + (x * y) % 17 + ((x / 5) * (y / 3) * (c + 1)) % 29) % 256);
        return new RgbImage(w, h, data);
    }

    public static TheoryData<int, int, int, int, string> Cases()
    {
        var data = new TheoryData<int, int, int, int, string>();
        var path = Path.Combine(Fixtures.RepoRoot, "tests", "InfoCamWeb.Core.Tests", "Imaging", "pil-resize-goldens.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("in")[0].GetInt32(), c.GetProperty("in")[1].GetInt32(),
                c.GetProperty("out")[0].GetInt32(), c.GetProperty("out")[1].GetInt32(), c.GetProperty("sha256").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bilinear_resize_is_bit_identical_to_pillow(int w, int h, int ow, int oh, string sha256)
    {
        var result = PilResize.Resize(Synth(w, h), ow, oh);
        Assert.Equal((ow, oh), (result.Width, result.Height));
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(result.Pixels)));
    }

    [Fact]
    public void Ground_truth_boxes_are_scaled_then_truncated()
    {
        var b = Preprocessor.MapBox(new(60, 27, 385, 331), 500, 335, 224, EvaluationProtocol.Resize224);
        // 60*224/500 = 26.88, 27*224/335 = 18.05, 385*224/500 = 172.48, 331*224/335 = 221.3
        Assert.Equal(new InfoCamWeb.Core.Localization.Box(26, 18, 172, 221), b);
    }

    [Fact]
    public void Crop_protocol_maps_to_256_minus_16_and_clips()
    {
        var b = Preprocessor.MapBox(new(0, 27, 500, 331), 500, 335, 224, EvaluationProtocol.Resize256Crop224);
        // x0: 0 -> -16 -> 0; y0: 27*256/335 = 20.63 -> 20 - 16 = 4; x1: 256 - 16 = 240 -> 223; y1: 252.9 -> 252 - 16 = 236 -> 223
        Assert.Equal(new InfoCamWeb.Core.Localization.Box(0, 4, 223, 223), b);
    }

    [Fact]
    public void Normalisation_uses_mean_and_std_per_channel_in_chw_order()
    {
        var frame = new RgbImage(1, 1, [255, 0, 51]);
        var t = new float[3];
        Preprocessor.Normalize(frame, Preprocessing.ImageNet(1), t);
        Assert.Equal((1f - 0.485f) / 0.229f, t[0], 5);
        Assert.Equal((0f - 0.456f) / 0.224f, t[1], 5);
        Assert.Equal((0.2f - 0.406f) / 0.225f, t[2], 5);
    }

    [Fact]
    public void Bgr_normalisation_puts_the_blue_byte_in_the_first_plane_with_the_first_mean_and_std()
    {
        // Two pixels, so a swapped plane offset shows: (R, G, B) = (255, 0, 51) and (0, 255, 102).
        var frame = new RgbImage(2, 1, [255, 0, 51, 0, 255, 102]);
        var t = new float[6];
        Preprocessor.Normalize(frame, Preprocessing.ImageNet(2) with { Bgr = true }, t);
        float[] expected =
        [
            (51 / 255f - 0.485f) / 0.229f, (102 / 255f - 0.485f) / 0.229f,
            (0 / 255f - 0.456f) / 0.224f, (255 / 255f - 0.456f) / 0.224f,
            (255 / 255f - 0.406f) / 0.225f, (0 / 255f - 0.406f) / 0.225f,
        ];
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(expected[i], t[i], 5);
        }
    }
}
