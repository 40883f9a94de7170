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
