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
    public static bool Hit(ReadOnlySpan<double> map, int size, ReadOnlySpan<Box> truth)
    {
        int best = 0;
        double min = double.PositiveInfinity;
        for (int p = 0; p < map.Length; p++)
        {
            double v = map[p];
            if (!double.IsFinite(v)) return false;
            if (v > map[best]) best = p;
            if (v < min) min = v;
        }
        if (map.IsEmpty || map[best] == min) return false;
        int y = best / size, x = best % size;
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
    public static double EnergyShare(ReadOnlySpan<double> map, int size, ReadOnlySpan<Box> truth)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in map)
        {
            if (double.IsNaN(v)) return 0;
            if (v < min) min = v;
            if (v > max) max = v;
        }
        if (map.IsEmpty || min == max || double.IsInfinity(min) || double.IsInfinity(max)) return 0;
        // As ScoreMaps.Normalize: subtract the minimum, divide by the shifted maximum.
        double range = max - min, inside = 0, total = 0;
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                double v = (map[y * size + x] - min) / range;
                total += v;
                if (InAny(truth, x, y)) inside += v;
            }
        }
        return total > 0 ? inside / total : 0;
    }

    private static bool InAny(ReadOnlySpan<Box> truth, int x, int y)
    {
        foreach (var b in truth)
        {
            if (x >= b.X0 && x <= b.X1 && y >= b.Y0 && y <= b.Y1) return true;
        }
        return false;
    }
}
