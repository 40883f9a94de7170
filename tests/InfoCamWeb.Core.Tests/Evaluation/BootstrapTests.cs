using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Tests.Evaluation;

public class BootstrapTests
{
    private static ImageOutcome Image(bool correct, double iou, params byte[] hits) =>
        new(0, "x", 0, correct ? 0 : 1, true, 0, 0, [], [new MapOutcome(hits, Box.None, iou)]);

    // The default IoU list's bits, as stored before the list was configurable.
    private const byte Any30 = 2, Any50 = 4, Any70 = 8;

    // Four images, two thresholds; flags per threshold.
    private static readonly ImageOutcome[] Four =
    [
        Image(true, 0.6, 0, (byte)(HitFlags.Largest50 | Any30 | Any50)),
        Image(false, 0.7, Any30, (byte)(HitFlags.Largest50 | Any30)),
        Image(true, 0.2, Any30, 0),
        Image(true, 0.9, (byte)(Any70 | Any30), 0),
    ];

    [Theory]
    [InlineData(RankingMetric.GtKnownLoc, 75.0)]          // IoU 0.6, 0.7, 0.9 reach 0.5
    [InlineData(RankingMetric.Top1Loc, 50.0)]             // and correct: images 0 and 3
    [InlineData(RankingMetric.Top1Cls, 75.0)]
    [InlineData(RankingMetric.MaxBoxAcc, 50.0)]           // largest-box hits: 0 at t0, 2 at t1
    [InlineData(RankingMetric.MaxBoxAccV2, 125.0 / 3)]    // max over t of any-box hits: 3/4, 1/4, 1/4
    public void Point_estimates_follow_the_metric_definitions(RankingMetric metric, double expected)
    {
        Assert.Equal(expected, Bootstrap.PointEstimate(Four, 0, metric), 9);
    }

    [Fact]
    public void Two_images_one_hit_give_the_full_range_and_identical_images_a_point()
    {
        var two = new[] { Image(true, 0.9, 0), Image(true, 0.1, 0) };
        Assert.Equal((0.0, 100.0), Bootstrap.Interval(two, 0, RankingMetric.GtKnownLoc, resamples: 2000));
        var same = Enumerable.Repeat(Image(true, 0.9, 0), 50).ToArray();
        Assert.Equal((100.0, 100.0), Bootstrap.Interval(same, 0, RankingMetric.GtKnownLoc));
    }

    [Fact]
    public void The_interval_brackets_the_estimate_narrows_with_more_images_and_is_reproducible()
    {
        var rng = new Random(5);
        ImageOutcome[] Make(int n) => Enumerable.Range(0, n).Select(_ => Image(true, rng.NextDouble())).ToArray();
        var small = Make(100);
        var large = Make(2500);
        var (lo, hi) = Bootstrap.Interval(small, 0, RankingMetric.GtKnownLoc);
        var point = Bootstrap.PointEstimate(small, 0, RankingMetric.GtKnownLoc);
        Assert.InRange(point, lo, hi);
        var (lo2, hi2) = Bootstrap.Interval(large, 0, RankingMetric.GtKnownLoc);
        Assert.True(hi2 - lo2 < (hi - lo) / 2);
        Assert.Equal((lo, hi), Bootstrap.Interval(small, 0, RankingMetric.GtKnownLoc));
    }

    [Theory]
    [InlineData(1, 75.0)]   // the first IoU's bit alone: any-box hits 3/4 at t0
    [InlineData(2, 50.0)]   // and the second's: 0 at t0, 1/4 at t1 -> (75 + 25) / 2
    public void MaxBoxAccV2_averages_over_as_many_ious_as_the_run_has(int ious, double expected)
    {
        Assert.Equal(expected, Bootstrap.PointEstimate(Four, 0, RankingMetric.MaxBoxAccV2, ious), 9);
    }

    /// <summary>Two images' histograms (edges 0, 0.5 | 1 | 2): summed they are the four-pixel case of PixelPrecisionTests, AP 7/12.</summary>
    [Fact]
    public void Pxap_of_a_resample_sums_the_drawn_images_histograms()
    {
        ImageOutcome Masked(int[] obj, int[] bg) => new(0, "x", 0, 0, true, 0, 0, [],
            [new MapOutcome([0], Box.None, 0) { ObjectHistogram = obj, BackgroundHistogram = bg }]);
        ImageOutcome[] images = [Masked([0, 1, 0, 0], [0, 0, 0, 0]), Masked([1, 0, 0, 0], [0, 1, 0, 0])];
        Assert.Equal(100.0 * 7 / 12, Bootstrap.PointEstimate(images, 0, RankingMetric.Pxap), 12);
        var (lo, hi) = Bootstrap.Interval(images, 0, RankingMetric.Pxap);
        Assert.InRange(100.0 * 7 / 12, lo, hi);
    }
}
