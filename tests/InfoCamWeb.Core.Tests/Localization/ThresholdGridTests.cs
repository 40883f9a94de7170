using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Tests.Localization;

public class ThresholdGridTests
{
    [Fact]
    public void Thresholds_follow_numpy_arange_from_zero_below_one()
    {
        Assert.Equal(100, ThresholdGrid.Thresholds(0.01).Length);
        Assert.Equal(1000, ThresholdGrid.Thresholds(0.001).Length);
        Assert.Equal(4, ThresholdGrid.Thresholds(0.3).Length); // 0, 0.3, 0.6, 0.9
        Assert.Equal(0.07 * 1, ThresholdGrid.Thresholds(0.01)[7], 15);
    }

    [Fact]
    public void Thresholds_sharing_an_integer_level_share_one_entry()
    {
        // max level 10: t = 0, 0.01 .. 0.09 all select level 0; 0.1 selects 1.
        var grid = ThresholdGrid.Create(ThresholdGrid.Thresholds(0.01), 10);
        Assert.Equal(Enumerable.Range(0, 10).ToArray(), grid.Levels);
        Assert.Equal(0, grid.LevelIndexOf(5));
        Assert.Equal(1, grid.LevelIndexOf(10));
        Assert.Equal(9, grid.LevelIndexOf(99));
    }
}
