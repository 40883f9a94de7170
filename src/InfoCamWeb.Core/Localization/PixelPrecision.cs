namespace InfoCamWeb.Core.Localization;

/// <summary>
/// wsolevaluation's MaskEvaluator: histograms of the normalised (not quantised) score map over object and background
/// pixels, ignored pixels left out, with bin edges <c>[t_0 = 0, t_1, ..., t_{n-1}, 1, 2, 3]</c> (<c>np.histogram</c>:
/// bin i holds e_i ≤ v &lt; e_{i+1}, the last bin is closed); PxAP is the area under the precision-recall curve that
/// sweeping the edges downwards traces. The best pixel IoU over the same sweep, tp / (tp + fn + fp), is this project's
/// addition.
/// </summary>
public static class PixelPrecision
{
    /// <summary>Bins for <paramref name="thresholds"/> (the run's sweep, ascending from 0): one per threshold, then [1, 2) and [2, 3].</summary>
    public static int BinCount(int thresholds) => thresholds + 2;

    /// <summary>The bin of <paramref name="v"/> (in [0, 1]): the last edge at or below it.</summary>
    public static int Bin(double v, double[] thresholds)
    {
        if (v >= 1.0) return thresholds.Length;
        // Binary search on the exact edges (k * step, as np.arange makes them), compared as numpy compares.
        int lo = 0, hi = thresholds.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >> 1;
            if (thresholds[mid] <= v) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    /// <summary>
    /// The map's object and background histograms (length <see cref="BinCount"/>), the map min-max normalised as
    /// wsolevaluation's <c>normalize_scoremap</c> does (NaN or constant: all zeros), not quantised.
    /// </summary>
    public static (int[] Object, int[] Background) Histograms(ReadOnlySpan<double> map, ReadOnlySpan<byte> truth, double[] thresholds) =>
        Histograms(map, MapStats.Of(map), truth, thresholds);

    /// <inheritdoc cref="Histograms(ReadOnlySpan{double}, ReadOnlySpan{byte}, double[])"/>
    public static (int[] Object, int[] Background) Histograms(ReadOnlySpan<double> map, in MapStats stats, ReadOnlySpan<byte> truth, double[] thresholds)
    {
        var objectHist = new int[BinCount(thresholds.Length)];
        var backgroundHist = new int[objectHist.Length];
        bool zero = stats.Degenerate;
        double min = stats.Min, range = stats.Max - stats.Min;
        for (int i = 0; i < map.Length; i++)
        {
            byte t = truth[i];
            if (t == 255) continue;
            int bin = zero ? 0 : Bin((map[i] - min) / range, thresholds);
            if (t == 1) objectHist[bin]++; else backgroundHist[bin]++;
        }
        return (objectHist, backgroundHist);
    }

    /// <summary>PxAP in percent, or null when the set has no object pixel (wsolevaluation raises an error then).</summary>
    public static double? AveragePrecision(long[] objectHist, long[] backgroundHist)
    {
        var (tp, fp, positives) = Sweep(objectHist, backgroundHist);
        if (positives == 0) return null;
        double auc = 0, previousRecall = tp[0] / (double)positives;
        for (int k = 1; k < tp.Length; k++)
        {
            double recall = tp[k] / (double)positives;
            if (tp[k] + fp[k] != 0) auc += tp[k] / (double)(tp[k] + fp[k]) * (recall - previousRecall);
            previousRecall = recall;
        }
        return auc * 100;
    }

    /// <summary>The best tp / (tp + fn + fp) over the sweep in percent with the lowest threshold reaching it, or null without object pixels.</summary>
    public static (double IoU, double Threshold)? BestIoU(long[] objectHist, long[] backgroundHist, double[] thresholds)
    {
        var (tp, fp, positives) = Sweep(objectHist, backgroundHist);
        if (positives == 0) return null;
        double best = -1, at = 0;
        // Position k of the sweep predicts the pixels in the top k + 1 bins, i.e. those at or above edge n + 1 - k.
        for (int k = tp.Length - 1; k >= 0; k--)
        {
            double iou = tp[k] / (double)(positives + fp[k]);
            if (iou > best)
            {
                best = iou;
                int edge = tp.Length - 1 - k;
                at = edge < thresholds.Length ? thresholds[edge] : edge - thresholds.Length + 1;
            }
        }
        return (best * 100, at);
    }

    /// <summary>Cumulative true and false positives from the top bin down, and the object pixel count.</summary>
    private static (long[] Tp, long[] Fp, long Positives) Sweep(long[] objectHist, long[] backgroundHist)
    {
        int n = objectHist.Length;
        var tp = new long[n];
        var fp = new long[n];
        long t = 0, f = 0;
        for (int k = 0; k < n; k++)
        {
            t += objectHist[n - 1 - k];
            f += backgroundHist[n - 1 - k];
            tp[k] = t;
            fp[k] = f;
        }
        return (tp, fp, t);
    }
}
