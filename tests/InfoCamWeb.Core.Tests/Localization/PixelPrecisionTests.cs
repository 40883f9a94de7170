using System.Text.Json;
using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Tests.Localization;

/// <summary>PxAP as wsolevaluation's MaskEvaluator computes it, checked by hand and against numpy (tools/make_pxap_goldens.py).</summary>
public class PixelPrecisionTests
{
    private const int S = 32;

    /// <summary>The formulas of tools/make_pxap_goldens.py; integer arithmetic then one division, so both sides get the same doubles.</summary>
    private static double[] ScoreMap(int img)
    {
        var v = new double[S * S];
        for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++)
            v[y * S + x] = ((x * 7919 + y * 104729 + img * 31 + (x * y) % 13 * 977) % 10007) / 10006.0;
        v[0] = 0.0;
        v[1] = 1.0;
        v[S] = 35 * 0.01;
        v[S + 1] = 0.35;
        return v;
    }

    private static byte[] Truth(int img)
    {
        var t = new byte[S * S];
        for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++)
            t[y * S + x] = x > 24 && y < 8 ? (byte)255 : (x - 10 - img) * (x - 10 - img) + (y - 14) * (y - 14) < 60 + 9 * img ? (byte)1 : (byte)0;
        return t;
    }

    public static TheoryData<int> Cases() => new() { 0, 1, 2 };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Histograms_pxap_and_the_best_pixel_iou_equal_numpy(int index)
    {
        using var golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.RepoRoot, "tests", "InfoCamWeb.Core.Tests", "Localization", "pxap-goldens.json")));
        var c = golden.RootElement.GetProperty("cases")[index];
        var thresholds = ThresholdGrid.Thresholds(c.GetProperty("step").GetDouble());
        var obj = new long[PixelPrecision.BinCount(thresholds.Length)];
        var bg = new long[obj.Length];
        for (int img = 0; img < c.GetProperty("images").GetInt32(); img++)
        {
            var (o, b) = PixelPrecision.Histograms(ScoreMap(img), Truth(img), thresholds);
            for (int k = 0; k < obj.Length; k++) (obj[k], bg[k]) = (obj[k] + o[k], bg[k] + b[k]);
        }
        Assert.Equal(c.GetProperty("objectHistogram").EnumerateArray().Select(v => v.GetInt64()), obj);
        Assert.Equal(c.GetProperty("backgroundHistogram").EnumerateArray().Select(v => v.GetInt64()), bg);
        Assert.Equal(c.GetProperty("pxap").GetDouble(), PixelPrecision.AveragePrecision(obj, bg)!.Value, 1e-10);
        var best = PixelPrecision.BestIoU(obj, bg, thresholds)!.Value;
        Assert.Equal(c.GetProperty("bestPixelIoU").GetDouble(), best.IoU, 1e-10);
        Assert.Equal(c.GetProperty("bestPixelIoUThreshold").GetDouble(), best.Threshold);
    }

    /// <summary>
    /// Four pixels, edges 0, 0.5 | 1 | 2 (step 0.5): object scores 0.9 and 0.2, background 0.6, one ignored pixel.
    /// From the top: [2,3] nothing; [1,2) nothing; [0.5,1) tp 1 fp 1; [0,0.5) tp 2 fp 1.
    /// Precision 1/2 then 2/3, recall 1/2 then 1: AP = 1/2 · 1/2 + 2/3 · 1/2 = 7/12. IoU: 1/3 at 0.5, 2/3 at 0.
    /// </summary>
    [Fact]
    public void A_four_pixel_case_worked_by_hand()
    {
        double[] thresholds = [0, 0.5];
        var (obj, bg) = PixelPrecision.Histograms([0.9, 0.2, 0.6, 0.0, 1.0], [1, 1, 0, 255, 255], thresholds);
        Assert.Equal([1, 1, 0, 0], obj);
        Assert.Equal([0, 1, 0, 0], bg);
        long[] o = [.. obj.Select(v => (long)v)], b = [.. bg.Select(v => (long)v)];
        Assert.Equal(100.0 * 7 / 12, PixelPrecision.AveragePrecision(o, b)!.Value, 12);
        var best = PixelPrecision.BestIoU(o, b, thresholds)!.Value;
        Assert.Equal(100.0 * 2 / 3, best.IoU, 12);
        Assert.Equal(0.0, best.Threshold);
    }

    [Fact]
    public void A_constant_or_nan_map_counts_every_pixel_in_the_first_bin_and_no_object_pixel_gives_no_score()
    {
        double[] thresholds = [0, 0.5];
        var (obj, bg) = PixelPrecision.Histograms([3, 3, double.NaN], [1, 0, 0], thresholds);
        Assert.Equal([1, 0, 0, 0], obj);
        Assert.Equal([2, 0, 0, 0], bg);
        Assert.Null(PixelPrecision.AveragePrecision([0, 0, 0, 0], [2, 0, 0, 0]));
        Assert.Null(PixelPrecision.BestIoU([0, 0, 0, 0], [2, 0, 0, 0], thresholds));
    }

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.2899999, 28)]
    [InlineData(0.35, 34)]                  // 35 / 100 lies below the edge 35 * 0.01 = 0.35000000000000003
    [InlineData(35 * 0.01, 35)]
    [InlineData(0.999999, 99)]
    [InlineData(1.0, 100)]                  // [1, 2)
    public void A_value_falls_in_the_bin_of_the_last_edge_at_or_below_it(double v, int bin)
    {
        Assert.Equal(bin, PixelPrecision.Bin(v, ThresholdGrid.Thresholds(0.01)));
    }
}
