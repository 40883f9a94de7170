namespace InfoCamWeb.Core.Localization;

/// <summary>Normalisation and quantisation of score maps, exactly as wsolevaluation's <c>normalize_scoremap</c> and <c>compute_bboxes_from_scoremaps</c>.</summary>
public static class ScoreMaps
{
    /// <summary>
    /// In place: a map holding NaN, or a constant map, becomes all zeros; otherwise subtract the minimum
    /// and divide by the new maximum. Returns false when the map was zeroed.
    /// </summary>
    public static bool Normalize(Span<double> map)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in map)
        {
            if (double.IsNaN(v))
            {
                map.Clear();
                return false;
            }
            if (v < min) min = v;
            if (v > max) max = v;
        }
        if (map.IsEmpty || min == max)
        {
            map.Clear();
            return false;
        }
        // An infinite value leaves no finite range to scale: treat like a degenerate map.
        if (double.IsInfinity(min) || double.IsInfinity(max))
        {
            map.Clear();
            return false;
        }
        for (int i = 0; i < map.Length; i++)
        {
            map[i] -= min;
        }
        // numpy divides by the maximum of the shifted map: take it from the shifted values.
        double newMax = double.NegativeInfinity;
        foreach (var v in map)
        {
            if (v > newMax) newMax = v;
        }
        for (int i = 0; i < map.Length; i++)
        {
            map[i] /= newMax;
        }
        return true;
    }

    /// <summary>
    /// <see cref="Normalize"/> then <see cref="Quantize"/> in one pass without writing the map back:
    /// <c>q = (uint8)((v - min) / (max - min) * 255)</c>, the same double operations numpy performs. Returns max(q).
    /// </summary>
    public static byte NormalizeAndQuantize(ReadOnlySpan<double> map, Span<byte> q)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        bool nan = false;
        foreach (var v in map)
        {
            if (v < min) min = v;
            if (v > max) max = v;
            nan |= double.IsNaN(v);
        }
        if (nan || map.IsEmpty || min == max || double.IsInfinity(min) || double.IsInfinity(max))
        {
            q[..map.Length].Clear();
            return 0;
        }
        double range = max - min;
        byte top = 0;
        for (int i = 0; i < map.Length; i++)
        {
            double v = (map[i] - min) / range * 255.0;
            byte b = v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)v;
            q[i] = b;
            if (b > top) top = b;
        }
        return top;
    }

    /// <summary><c>q = (uint8)(map * 255)</c> with truncation; returns the maximum level.</summary>
    public static byte Quantize(ReadOnlySpan<double> map, Span<byte> q)
    {
        byte max = 0;
        for (int i = 0; i < map.Length; i++)
        {
            double v = map[i] * 255.0;
            byte b = v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)v;
            q[i] = b;
            if (b > max) max = b;
        }
        return max;
    }
}
