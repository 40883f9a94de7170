using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Tests.Localization;

public class PointingGameTests
{
    private const int Size = 40;

    private static double[] PeakAt(int x, int y)
    {
        var map = new double[Size * Size];
        map[y * Size + x] = 1;
        return map;
    }

    [Fact]
    public void The_maximum_inside_a_box_or_within_15_pixels_of_one_is_a_hit()
    {
        Box[] truth = [new Box(5, 5, 10, 10)];
        Assert.True(PointingGame.Hit(PeakAt(7, 7), Size, truth));
        Assert.True(PointingGame.Hit(PeakAt(25, 7), Size, truth));   // 15 px right of the box
        Assert.False(PointingGame.Hit(PeakAt(26, 7), Size, truth));  // 16 px
        Assert.True(PointingGame.Hit(PeakAt(19, 19), Size, truth));  // 9^2 + 9^2 = 162 <= 225
        Assert.False(PointingGame.Hit(PeakAt(21, 21), Size, truth)); // 11^2 + 11^2 = 242 > 225
        Assert.True(PointingGame.Hit(PeakAt(36, 36), Size, [.. truth, new Box(30, 30, 39, 39)]));
    }

    [Fact]
    public void The_first_maximum_counts_and_a_flat_or_nan_map_points_nowhere()
    {
        var map = PeakAt(39, 39);
        map[0] = 1; // the same maximum earlier in row-major order
        Assert.True(PointingGame.Hit(map, Size, [new Box(0, 0, 1, 1)]));
        Assert.False(PointingGame.Hit(new double[Size * Size], Size, [new Box(0, 0, 39, 39)]));
        var nan = PeakAt(3, 3);
        nan[100] = double.NaN;
        Assert.False(PointingGame.Hit(nan, Size, [new Box(0, 0, 39, 39)]));
        var infinite = PeakAt(3, 3);
        infinite[3 * Size + 3] = double.PositiveInfinity;
        Assert.False(PointingGame.Hit(infinite, Size, [new Box(0, 0, 39, 39)]));
    }

    [Fact]
    public void The_energy_share_is_the_normalised_sum_inside_the_union_of_boxes_over_the_total()
    {
        // A 4 x 4 map 1..16 normalises to (v - 1) / 15; boxes cover the top-left 2 x 2 and overlap the top row.
        var map = Enumerable.Range(1, 16).Select(v => (double)v).ToArray();
        Box[] truth = [new Box(0, 0, 1, 1), new Box(1, 0, 3, 0)];
        // inside: values 1, 2, 3, 4 (top row) and 5, 6: (0 + 1 + 2 + 3 + 4 + 5) / 15 = 1; total (0 + ... + 15) / 15 = 8
        Assert.Equal(1.0 / 8, PointingGame.EnergyShare(map, 4, truth), 12);
        Assert.Equal(0, PointingGame.EnergyShare(new double[16], 4, truth));
        Assert.Equal(1, PointingGame.EnergyShare(map, 4, [new Box(0, 0, 3, 3)]), 12);
    }
}
