using InfoCamWeb.Core.Localization;
using MathNet.Numerics.Distributions;

namespace InfoCamWeb.Core.Evaluation;

/// <summary>McNemar's exact test on the images one run hits and the other misses.</summary>
/// <param name="OnlyA">Images run A hits and run B misses.</param>
/// <param name="OnlyB">Images run B hits and run A misses.</param>
/// <param name="P">Two-sided exact p-value: min(1, 2 P[X &lt;= min(OnlyA, OnlyB)]) for X ~ Binomial(OnlyA + OnlyB, 1/2).</param>
public sealed record McNemarTest(int OnlyA, int OnlyB, double P);

/// <summary>
/// Two runs compared on the same images: the metric of each (percent), their difference A - B, the paired bootstrap's
/// 95 % percentile interval of the difference and its two-sided p-value, and, for hit/miss metrics, McNemar's exact test.
/// </summary>
public sealed record PairedDifference(
    RankingMetric Metric, int Images, int Resamples, double A, double B, double Difference, double Low, double High, double BootstrapP,
    McNemarTest? McNemar)
{
    /// <summary>The p-value that decides: McNemar's where the metric is one hit or miss per image, else the bootstrap's.</summary>
    public double P => McNemar?.P ?? BootstrapP;

    /// <summary>The test <see cref="P"/> comes from.</summary>
    public string Test => McNemar is null ? "paired bootstrap" : "McNemar exact";

    /// <summary>Not distinguishable at the 5 % level.</summary>
    public bool Tied => P >= 0.05;
}

/// <summary>One side of a comparison: a run's outcomes in split order and the method compared.</summary>
/// <param name="MultiIoUs">How many IoUs the run's MaxBoxAccV2 list has.</param>
public sealed record ComparedRun(IReadOnlyList<ImageOutcome> Outcomes, int Method, int MultiIoUs = 3);

/// <summary>
/// Paired significance between two runs over the same images (docs/methods.md, "Comparing two runs"). The bootstrap
/// draws the same images for both runs in every resample (SplitMix64 stream, Lemire's bounded draw, so that a numpy
/// reference can draw the very same ones) and recomputes each metric as <see cref="Bootstrap"/> does.
/// </summary>
public static class PairedComparison
{
    public static PairedDifference Compare(
        ComparedRun a, ComparedRun b, RankingMetric metric, int resamples = 2000, ulong seed = 20261201, CancellationToken cancellationToken = default)
    {
        int n = a.Outcomes.Count;
        if (DifferentImages(a.Outcomes, b.Outcomes) is { } different) throw new ArgumentException(different);
        if (resamples < 1) throw new ArgumentOutOfRangeException(nameof(resamples));
        var sideA = new Side(a);
        var sideB = new Side(b);
        var counts = new int[n];
        Array.Fill(counts, 1);
        double pointA = sideA.Statistic(metric, counts), pointB = sideB.Statistic(metric, counts);
        var differences = new double[resamples];
        var rng = new SplitMix64(seed);
        for (int r = 0; r < resamples; r++)
        {
            if ((r & 63) == 0) cancellationToken.ThrowIfCancellationRequested();
            Array.Clear(counts);
            for (int k = 0; k < n; k++) counts[rng.Below(n)]++;
            differences[r] = sideA.Statistic(metric, counts) - sideB.Statistic(metric, counts);
        }
        int atOrBelow = differences.Count(d => d <= 0), atOrAbove = differences.Count(d => d >= 0);
        double p = Math.Min(1, 2.0 * (1 + Math.Min(atOrBelow, atOrAbove)) / (resamples + 1));
        Array.Sort(differences);
        return new PairedDifference(metric, n, resamples, pointA, pointB, pointA - pointB,
            Bootstrap.Quantile(differences, 0.025), Bootstrap.Quantile(differences, 0.975), p, McNemar(sideA, sideB, metric));
    }

    /// <summary>McNemar's exact test, or null for metrics that are not one hit or miss per image (MaxBoxAccV2, PxAP).</summary>
    private static McNemarTest? McNemar(Side a, Side b, RankingMetric metric)
    {
        if (metric is RankingMetric.MaxBoxAccV2 or RankingMetric.Pxap) return null;
        var hitsA = a.Hits(metric);
        var hitsB = b.Hits(metric);
        int onlyA = 0, onlyB = 0;
        for (int i = 0; i < hitsA.Length; i++)
        {
            if (hitsA[i] && !hitsB[i]) onlyA++;
            if (hitsB[i] && !hitsA[i]) onlyB++;
        }
        return new McNemarTest(onlyA, onlyB, ExactMcNemar(onlyA, onlyB));
    }

    /// <summary>min(1, 2 P[X &lt;= min(b, c)]), X ~ Binomial(b + c, 1/2); 1 when no image differs.</summary>
    public static double ExactMcNemar(int b, int c)
    {
        int discordant = b + c;
        if (discordant == 0) return 1;
        return Math.Min(1, 2 * Binomial.CDF(0.5, discordant, Math.Min(b, c)));
    }

    /// <summary>Why two runs' outcomes cannot be paired (other images, or in another order, or none), or null when they can.</summary>
    public static string? DifferentImages(IReadOnlyList<ImageOutcome> a, IReadOnlyList<ImageOutcome> b)
    {
        if (a.Count == 0 && b.Count == 0) return "The runs have no images to compare.";
        for (int i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            if (a[i].ImageId != b[i].ImageId)
            {
                return $"The runs cover different images: image {i + 1} is '{a[i].ImageId}' in one and '{b[i].ImageId}' in the other.";
            }
        }
        if (a.Count != b.Count)
        {
            var (longer, at) = a.Count > b.Count ? (a, b.Count) : (b, a.Count);
            return $"The runs cover different images: one has {a.Count} and the other {b.Count}; image {at + 1} ('{longer[at].ImageId}') is in one only.";
        }
        return null;
    }

    /// <summary>One run's outcomes with the scratch space its statistic needs.</summary>
    private sealed class Side(ComparedRun run)
    {
        private readonly int _thresholds = run.Outcomes[0].Methods[run.Method].Hits.Length;
        private readonly long[,] _acc = new long[1 + run.MultiIoUs, Math.Max(1, run.Outcomes[0].Methods[run.Method].Hits.Length)];

        public double Statistic(RankingMetric metric, int[] counts) => Bootstrap.Statistic(run.Outcomes, run.Method, metric, counts, _acc, _thresholds);

        /// <summary>Each image's hit: at the fixed threshold, or for MaxBoxAcc at the run's own best threshold (the first maximum).</summary>
        public bool[] Hits(RankingMetric metric)
        {
            var images = run.Outcomes;
            if (metric != RankingMetric.MaxBoxAcc)
            {
                return images.Select(o => Bootstrap.Hit(o, run.Method, metric)).ToArray();
            }
            var perThreshold = new int[_thresholds];
            foreach (var o in images)
            {
                var h = o.Methods[run.Method].Hits;
                for (int t = 0; t < _thresholds; t++) if ((h[t] & HitFlags.Largest50) != 0) perThreshold[t]++;
            }
            int best = 0;
            for (int t = 1; t < _thresholds; t++) if (perThreshold[t] > perThreshold[best]) best = t;
            return images.Select(o => _thresholds > 0 && (o.Methods[run.Method].Hits[best] & HitFlags.Largest50) != 0).ToArray();
        }
    }
}

/// <summary>
/// Steele, Lea and Flood's SplitMix64 with Lemire's unbiased bounded draw: a small generator that a reference in
/// another language reproduces exactly (tools/reference_significance.py).
/// </summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, <paramref name="n"/>): the high word of a 64 x 64-bit product, rejecting the biased low words.</summary>
    public int Below(int n)
    {
        ulong bound = (ulong)n;
        ulong high = Math.BigMul(Next(), bound, out ulong low);
        if (low < bound)
        {
            ulong threshold = (0UL - bound) % bound;
            while (low < threshold)
            {
                high = Math.BigMul(Next(), bound, out low);
            }
        }
        return (int)high;
    }
}
