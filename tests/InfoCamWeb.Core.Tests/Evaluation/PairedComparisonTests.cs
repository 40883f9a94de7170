using System.Text.Json;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Tests.Evaluation;

public class PairedComparisonTests
{
    private static ImageOutcome Image(int index, bool correct, double iou, params byte[] hits) =>
        new(index, $"img{index}", 0, correct ? 0 : 1, true, 0, 0, [], [new MapOutcome(hits, Box.None, iou)]);

    [Theory]
    [InlineData(0, 0, 1.0)]
    [InlineData(5, 5, 1.0)]
    [InlineData(0, 1, 1.0)]            // 2 * 1/2
    [InlineData(0, 5, 0.0625)]         // 2 * 1/32
    [InlineData(1, 9, 0.021484375)]    // 2 * 11/1024
    [InlineData(7, 2, 0.1796875)]      // 2 * (1 + 9 + 36)/512
    public void Mcnemars_exact_test_doubles_the_smaller_binomial_tail(int b, int c, double expected)
    {
        Assert.Equal(expected, PairedComparison.ExactMcNemar(b, c), 12);
    }

    [Fact]
    public void A_run_compared_with_itself_differs_by_nothing_and_is_tied()
    {
        var images = Enumerable.Range(0, 30).Select(i => Image(i, i % 3 != 0, i % 4 == 0 ? 0.3 : 0.7, (byte)(i % 2), 1)).ToList();
        var run = new ComparedRun(images, 0);
        foreach (var metric in new[] { RankingMetric.Top1Loc, RankingMetric.GtKnownLoc, RankingMetric.MaxBoxAcc, RankingMetric.MaxBoxAccV2 })
        {
            var d = PairedComparison.Compare(run, run, metric, resamples: 200);
            Assert.Equal(0, d.Difference);
            Assert.Equal((0.0, 0.0), (d.Low, d.High));
            Assert.Equal(1, d.P);
            Assert.True(d.Tied);
        }
    }

    [Fact]
    public void Runs_over_different_images_are_refused_with_where_they_part()
    {
        var a = new ComparedRun([Image(0, true, 0.6, 1), Image(1, true, 0.6, 1)], 0);
        var b = new ComparedRun([Image(0, true, 0.6, 1), Image(2, true, 0.6, 1)], 0);
        var ex = Assert.Throws<ArgumentException>(() => PairedComparison.Compare(a, b, RankingMetric.GtKnownLoc));
        Assert.Equal("The runs cover different images: image 2 is 'img1' in one and 'img2' in the other.", ex.Message);
    }

    [Fact]
    public void A_run_that_skipped_an_image_the_other_read_is_refused_with_that_image()
    {
        var a = new List<ImageOutcome> { Image(0, true, 0.6, 1), Image(1, true, 0.6, 1), Image(2, true, 0.6, 1) };
        var b = a.Take(2).ToList();
        Assert.Equal("The runs cover different images: one has 3 and the other 2; image 3 ('img2') is in one only.", PairedComparison.DifferentImages(a, b));
        Assert.Equal("The runs cover different images: one has 2 and the other 3; image 3 ('img2') is in one only.", PairedComparison.DifferentImages(b, a));
        Assert.Null(PairedComparison.DifferentImages(a, a));
        Assert.Throws<ArgumentException>(() => PairedComparison.Compare(new ComparedRun(a, 0), new ComparedRun(b, 0), RankingMetric.Top1Loc));
    }

    [Fact]
    public void A_cancelled_comparison_stops()
    {
        var images = Enumerable.Range(0, 50).Select(i => Image(i, i % 2 == 0, 0.6, 1)).ToList();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() =>
            PairedComparison.Compare(new ComparedRun(images, 0), new ComparedRun(images, 0), RankingMetric.Top1Loc, cancellationToken: cts.Token));
    }

    [Fact]
    public void Splitmix64_gives_the_published_sequence_for_seed_zero()
    {
        // The first outputs of SplitMix64 seeded with 0 (Vigna's reference implementation).
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.Next());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.Next());
        Assert.Equal(0x06C45D188009454FUL, rng.Next());
    }

    public static TheoryData<int> Cases() => new() { 0, 1, 2 };

    /// <summary>tools/reference_significance.py (numpy, scipy.stats.binomtest) on three synthetic pairs of runs.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_figure_equals_the_numpy_and_scipy_reference(int index)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.RepoRoot, "tests", "InfoCamWeb.Core.Tests", "Evaluation", "significance-reference.json")));
        var root = doc.RootElement;
        var c = root.GetProperty("cases")[index];
        var a = new ComparedRun(Outcomes(c.GetProperty("a")), 0);
        var b = new ComparedRun(Outcomes(c.GetProperty("b")), 0);
        foreach (var expected in c.GetProperty("results").EnumerateArray())
        {
            var metric = Enum.Parse<RankingMetric>(expected.GetProperty("metric").GetString()!);
            var d = PairedComparison.Compare(a, b, metric, root.GetProperty("resamples").GetInt32(), root.GetProperty("seed").GetUInt64());
            Assert.Equal(expected.GetProperty("a").GetDouble(), d.A, 12);
            Assert.Equal(expected.GetProperty("b").GetDouble(), d.B, 12);
            Assert.Equal(expected.GetProperty("difference").GetDouble(), d.Difference, 12);
            Assert.Equal(expected.GetProperty("low").GetDouble(), d.Low, 9);
            Assert.Equal(expected.GetProperty("high").GetDouble(), d.High, 9);
            Assert.Equal(expected.GetProperty("bootstrapP").GetDouble(), d.BootstrapP, 12);
            if (expected.TryGetProperty("mcnemarP", out var p))
            {
                Assert.Equal(expected.GetProperty("onlyA").GetInt32(), d.McNemar!.OnlyA);
                Assert.Equal(expected.GetProperty("onlyB").GetInt32(), d.McNemar.OnlyB);
                Assert.Equal(p.GetDouble(), d.McNemar.P, 1e-12 * Math.Max(1e-300, p.GetDouble()) + 1e-15);
            }
            else
            {
                Assert.Null(d.McNemar);
            }
        }
    }

    private static List<ImageOutcome> Outcomes(JsonElement run)
    {
        var truth = run.GetProperty("true").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var pred = run.GetProperty("pred").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var iou = run.GetProperty("iou").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var hits = run.GetProperty("hits").EnumerateArray().Select(r => r.EnumerateArray().Select(e => (byte)e.GetInt32()).ToArray()).ToArray();
        return truth.Select((t, i) => new ImageOutcome(i, $"img{i}", t, pred[i], true, 0, 0, [], [new MapOutcome(hits[i], Box.None, iou[i])])).ToList();
    }
}
