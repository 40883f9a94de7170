using System.Text.Json;
using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Tests.Localization;

public class CubicUpsamplerTests
{
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.Path_("opencv-goldens", "upsample.json")));
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            data.Add(p.Name);
        }
        return data;
    }

    private static float[] ReadF32(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var f = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, f, 0, bytes.Length);
        return f;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Upsampled_and_normalised_map_matches_opencv_inter_cubic(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.Path_("opencv-goldens", "upsample.json")));
        var shape = doc.RootElement.GetProperty(name);
        int h = shape.GetProperty("in")[0].GetInt32(), w = shape.GetProperty("in")[1].GetInt32();
        int oh = shape.GetProperty("out")[0].GetInt32(), ow = shape.GetProperty("out")[1].GetInt32();
        var input = ReadF32(Fixtures.Path_("opencv-goldens", "upsample", name + ".in.f32")).Select(v => (double)v).ToArray();
        var expected = ReadF32(Fixtures.Path_("opencv-goldens", "upsample", name + ".out.f32"));
        Assert.Equal(h * w, input.Length);
        Assert.Equal(oh * ow, expected.Length);

        var output = new double[oh * ow];
        CubicUpsampler.Resize(input, h, w, output, oh, ow);
        ScoreMaps.Normalize(output);

        double worst = 0;
        for (int i = 0; i < output.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(output[i] - expected[i]));
        }
        Assert.True(worst < 1e-6, $"largest difference {worst}");
    }

    [Fact]
    public void Cubic_coefficients_sum_to_one_and_match_keys_kernel_at_the_half_pixel()
    {
        CubicUpsampler.Coefficients(0.5f, out var c0, out var c1, out var c2, out var c3);
        // Keys with A = -0.75 at distances 1.5, 0.5, 0.5, 1.5: -0.09375, 0.59375, 0.59375, -0.09375.
        Assert.Equal(-0.09375f, c0, 6);
        Assert.Equal(0.59375f, c1, 6);
        Assert.Equal(0.59375f, c2, 6);
        Assert.Equal(-0.09375f, c3, 6);
    }
}
