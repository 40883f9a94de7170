using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace InfoCamWeb.Core.Localization;

/// <summary>
/// The map-only scores (docs/methods.md, "Pointing games"), on the upsampled S x S map before quantisation:
/// the pointing game of Zhang et al. (ECCV 2016) with TorchRay's 15-pixel tolerance, and the energy-based pointing game
/// of Wang et al. (Score-CAM, CVPRW 2020) over the union of the ground-truth boxes.
/// </summary>
public static class PointingGame
{
    /// <summary>TorchRay's tolerance: the maximum may lie up to 15 pixels (Euclidean, in the S x S frame) outside a box.</summary>
    public const int Tolerance = 15;

    /// <summary>
    /// True when the map's maximum (the first one in row-major order) lies inside a ground-truth box or within
    /// <see cref="Tolerance"/> pixels of one. A map with NaN or infinite values, or without a maximum (constant), points nowhere: a miss.
    /// </summary>
    public static bool Hit(ReadOnlySpan<double> map, int size, ReadOnlySpan<Box> truth) => Hit(MapStats.Of(map), size, truth);

    /// <inheritdoc cref="Hit(ReadOnlySpan{double}, int, ReadOnlySpan{Box})"/>
    public static bool Hit(in MapStats stats, int size, ReadOnlySpan<Box> truth)
    {
        // A NaN or an infinity anywhere shows in the flag or the extremes.
        if (stats.HasNaN || stats.ArgMax < 0 || double.IsInfinity(stats.Min) || double.IsInfinity(stats.Max) || stats.Max == stats.Min) return false;
        int y = stats.ArgMax / size, x = stats.ArgMax % size;
        foreach (var b in truth)
        {
            long dx = Math.Max(0, Math.Max(b.X0 - x, x - b.X1)), dy = Math.Max(0, Math.Max(b.Y0 - y, y - b.Y1));
            if (dx * dx + dy * dy <= Tolerance * Tolerance) return true;
        }
        return false;
    }

    /// <summary>
    /// The share of the min-max normalised map's energy (its sum) inside the union of the ground-truth boxes, in [0, 1];
    /// 0 for a map that normalises to zeros (NaN or constant).
    /// </summary>
    public static double EnergyShare(ReadOnlySpan<double> map, int size, ReadOnlySpan<Box> truth) => EnergyShare(map, MapStats.Of(map), size, truth);

    /// <inheritdoc cref="EnergyShare(ReadOnlySpan{double}, int, ReadOnlySpan{Box})"/>
    /// <remarks>
    /// Both sums run in row-major order, one pixel at a time, so the share is the same to the last bit however the rows
    /// are scanned: per row, left to right, every pixel into the total and the covered ones also into the inside sum (the
    /// two chains of additions side by side, so the covered part costs no more than the rest).
    /// </remarks>
    public static double EnergyShare(ReadOnlySpan<double> map, in MapStats stats, int size, ReadOnlySpan<Box> truth)
    {
        if (stats.Degenerate) return 0;
        // As ScoreMaps.Normalize: subtract the minimum, divide by the shifted maximum.
        double min = stats.Min, range = stats.Max - stats.Min, inside = 0, total = 0;
        Span<double> row = size <= 1024 ? stackalloc double[size] : new double[size];
        Span<(int From, int To)> spans = truth.Length <= 64 ? stackalloc (int, int)[truth.Length] : new (int, int)[truth.Length];
        for (int y = 0; y < size; y++)
        {
            Normalized(map.Slice(y * size, size), min, range, row);
            int x = 0;
            foreach (var (from, to) in Covered(truth, y, size, spans))
            {
                total = Add(total, row[x..from]);
                (total, inside) = AddBoth(total, inside, row[from..to]);
                x = to;
            }
            total = Add(total, row[x..]);
        }
        return total > 0 ? inside / total : 0;
    }

    /// <summary>A running sum, one value at a time.</summary>
    private static double Add(double sum, ReadOnlySpan<double> values)
    {
        foreach (var v in values) sum += v;
        return sum;
    }

    /// <summary>Two running sums of the same values, one value at a time each: two chains of additions side by side.</summary>
    private static (double, double) AddBoth(double a, double b, ReadOnlySpan<double> values)
    {
        foreach (var v in values)
        {
            a += v;
            b += v;
        }
        return (a, b);
    }

    /// <summary>The column ranges [From, To) of row <paramref name="y"/> inside the union of the boxes, left to right, not overlapping.</summary>
    private static Span<(int From, int To)> Covered(ReadOnlySpan<Box> truth, int y, int size, Span<(int From, int To)> spans)
    {
        int n = 0;
        foreach (var b in truth)
        {
            int from = Math.Max(b.X0, 0), to = Math.Min(b.X1, size - 1) + 1;
            if (y >= b.Y0 && y <= b.Y1 && from < to) spans[n++] = (from, to);
        }
        var found = spans[..n];
        found.Sort();
        int merged = 0;
        foreach (var s in found)
        {
            if (merged > 0 && s.From <= spans[merged - 1].To)
            {
                spans[merged - 1].To = Math.Max(spans[merged - 1].To, s.To);
            }
            else
            {
                spans[merged++] = s;
            }
        }
        return spans[..merged];
    }

    /// <summary><c>(v - min) / range</c> for a row, four lanes at a time where the hardware allows (the same operation per pixel).</summary>
    private static void Normalized(ReadOnlySpan<double> src, double min, double range, Span<double> dst)
    {
        int x = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vmin = Vector256.Create(min);
            var vrange = Vector256.Create(range);
            ref double s = ref MemoryMarshal.GetReference(src);
            ref double d = ref MemoryMarshal.GetReference(dst);
            for (; x <= src.Length - 4; x += 4)
            {
                ((Vector256.LoadUnsafe(ref s, (nuint)x) - vmin) / vrange).StoreUnsafe(ref d, (nuint)x);
            }
        }
        for (; x < src.Length; x++)
        {
            dst[x] = (src[x] - min) / range;
        }
    }
}
