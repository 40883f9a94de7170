using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Tests.Localization;

public class ScoreMapsTests
{
    [Fact]
    public void Normalize_maps_minimum_to_zero_and_maximum_to_one()
    {
        double[] m = [2, 4, 6, 10];
        Assert.True(ScoreMaps.Normalize(m));
        Assert.Equal([0, 0.25, 0.5, 1], m);
    }

    [Fact]
    public void A_constant_map_or_one_with_nan_becomes_all_zeros()
    {
        double[] c = [3, 3, 3];
        Assert.False(ScoreMaps.Normalize(c));
        Assert.Equal([0, 0, 0], c);
        double[] n = [1, double.NaN, 5];
        Assert.False(ScoreMaps.Normalize(n));
        Assert.Equal([0, 0, 0], n);
    }

    [Fact]
    public void Quantize_truncates_like_a_uint8_cast()
    {
        double[] m = [0, 0.999 / 255, 1.999 / 255, 0.5, 1];
        var q = new byte[5];
        var max = ScoreMaps.Quantize(m, q);
        Assert.Equal(new byte[] { 0, 0, 1, 127, 255 }, q);
        Assert.Equal(255, max);
    }
}

public class NormalizeAndQuantizeTests
{
    [Fact]
    public void Fused_pass_equals_normalize_then_quantize_bit_for_bit()
    {
        var rng = new Random(3);
        for (int trial = 0; trial < 50; trial++)
        {
            var map = Enumerable.Range(0, 500).Select(_ => rng.NextDouble() * 7 - 3 + trial).ToArray();
            var a = new byte[500];
            var b = new byte[500];
            var maxFused = ScoreMaps.NormalizeAndQuantize(map, a);
            var copy = (double[])map.Clone();
            ScoreMaps.Normalize(copy);
            var max = ScoreMaps.Quantize(copy, b);
            Assert.Equal(b, a);
            Assert.Equal(max, maxFused);
        }
    }

    [Fact]
    public void Fused_pass_zeroes_constant_and_nan_maps()
    {
        var q = new byte[3];
        Assert.Equal(0, ScoreMaps.NormalizeAndQuantize([2, 2, 2], q));
        Assert.Equal(new byte[3], q);
        Assert.Equal(0, ScoreMaps.NormalizeAndQuantize([0, double.NaN, 1], q));
    }
}
