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
    /// <remarks>Both sums run in row-major order, one pixel at a time, so the share is the same to the last bit however the rows are scanned.</remarks>
    public static double EnergyShare(ReadOnlySpan<double> map, in MapStats stats, int size, ReadOnlySpan<Box> truth)
    {
        if (stats.Degenerate) return 0;
        // As ScoreMaps.Normalize: subtract the minimum, divide by the shifted maximum.
        double min = stats.Min, range = stats.Max - stats.Min, inside = 0, total = 0;
        Span<double> row = size <= 1024 ? stackalloc double[size] : new double[size];
        Span<bool> covered = size <= 1024 ? stackalloc bool[size] : new bool[size];
        for (int y = 0; y < size; y++)
        {
            Normalized(map.Slice(y * size, size), min, range, row);
            if (!Cover(truth, y, covered))
            {
                foreach (var v in row) total += v;
                continue;
            }
            for (int x = 0; x < size; x++)
            {
                double v = row[x];
                total += v;
                if (covered[x]) inside += v;
            }
        }
        return total > 0 ? inside / total : 0;
    }

    /// <summary><c>(v - min) / range</c> for a row, four lanes at a time where the hardware allows (the same operation per pixel).</summary>
    private static void Normalized(ReadOnlySpan<double> src, double min, double range, Span<double> dst)
    {
        int x = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vmin = Vector256.Create(min);
            var vrange = Vector256.Create(range);
            for (; x <= src.Length - 4; x += 4)
            {
                ((Vector256.Create(src.Slice(x, 4)) - vmin) / vrange).CopyTo(dst.Slice(x, 4));
            }
        }
        for (; x < src.Length; x++)
        {
            dst[x] = (src[x] - min) / range;
        }
    }

    /// <summary>Marks the columns of row <paramref name="y"/> inside any box; false when none is.</summary>
    private static bool Cover(ReadOnlySpan<Box> truth, int y, Span<bool> covered)
    {
        covered.Clear();
        bool any = false;
        foreach (var b in truth)
        {
            if (y < b.Y0 || y > b.Y1) continue;
            int x0 = Math.Max(b.X0, 0), x1 = Math.Min(b.X1, covered.Length - 1);
            if (x0 > x1) continue;
            covered[x0..(x1 + 1)].Fill(true);
            any = true;
        }
        return any;
    }
}
