using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace InfoCamWeb.Core.Localization;

/// <summary>
/// One pass over a score map: its extremes (the first occurrence, as a scalar scan keeps it: -0 and +0 stay apart),
/// the index of its first maximum, and whether it holds NaN (then the extremes mean nothing).
/// </summary>
public readonly record struct MapStats(double Min, double Max, int ArgMax, bool HasNaN)
{
    /// <summary>The map normalises to zeros: NaN, empty, constant, or an infinite extreme (<c>normalize_scoremap</c>).</summary>
    public bool Degenerate => HasNaN || ArgMax < 0 || Min == Max || double.IsInfinity(Min) || double.IsInfinity(Max);

    public static MapStats Of(ReadOnlySpan<double> map)
    {
        if (map.IsEmpty)
        {
            return new MapStats(double.PositiveInfinity, double.NegativeInfinity, -1, false);
        }
        var (min, max, nan) = Vector256.IsHardwareAccelerated && map.Length >= 8 ? Extremes256(map) : ExtremesScalar(map);
        if (nan)
        {
            return new MapStats(min, max, 0, true);
        }
        // Equal values compare equal whatever their sign; a scalar scan keeps the first one it met.
        if (min == 0) min = map[map.IndexOfAnyInRange(0.0, 0.0)];
        if (max == 0) max = map[map.IndexOfAnyInRange(0.0, 0.0)];
        return new MapStats(min, max, map.IndexOf(max), false);
    }

    private static (double Min, double Max, bool NaN) ExtremesScalar(ReadOnlySpan<double> map)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        bool nan = false;
        foreach (var v in map)
        {
            if (v < min) min = v;
            if (v > max) max = v;
            nan |= double.IsNaN(v);
        }
        return (min, max, nan);
    }

    private static (double Min, double Max, bool NaN) Extremes256(ReadOnlySpan<double> map)
    {
        ref double m = ref MemoryMarshal.GetReference(map);
        var vmin = Vector256.Create(double.PositiveInfinity);
        var vmax = Vector256.Create(double.NegativeInfinity);
        var nan = Vector256<double>.Zero;
        int i = 0;
        for (; i <= map.Length - 4; i += 4)
        {
            var v = Vector256.LoadUnsafe(ref m, (nuint)i);
            vmin = Vector256.Min(vmin, v);
            vmax = Vector256.Max(vmax, v);
            nan |= ~Vector256.Equals(v, v);
        }
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int k = 0; k < 4; k++)
        {
            min = Math.Min(min, vmin[k]);
            max = Math.Max(max, vmax[k]);
        }
        bool hasNaN = nan != Vector256<double>.Zero;
        for (; i < map.Length; i++)
        {
            double v = Unsafe.Add(ref m, i);
            if (v < min) min = v;
            if (v > max) max = v;
            hasNaN |= double.IsNaN(v);
        }
        return (min, max, hasNaN);
    }
}

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
    public static byte NormalizeAndQuantize(ReadOnlySpan<double> map, Span<byte> q) => NormalizeAndQuantize(map, MapStats.Of(map), q);

    /// <inheritdoc cref="NormalizeAndQuantize(ReadOnlySpan{double}, Span{byte})"/>
    /// <param name="stats">The map's <see cref="MapStats"/>, when already known.</param>
    public static byte NormalizeAndQuantize(ReadOnlySpan<double> map, in MapStats stats, Span<byte> q)
    {
        if (stats.Degenerate)
        {
            q[..map.Length].Clear();
            return 0;
        }
        double min = stats.Min, range = stats.Max - stats.Min;
        int i = 0;
        byte top = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            (i, top) = Quantize256(map, min, range, q);
        }
        for (; i < map.Length; i++)
        {
            double v = (map[i] - min) / range * 255.0;
            byte b = v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)v;
            q[i] = b;
            if (b > top) top = b;
        }
        return top;
    }

    /// <summary>16 pixels at a time with the scalar loop's operations lane by lane (clamping to [0, 255] then truncating equals its branches).</summary>
    private static (int Done, byte Top) Quantize256(ReadOnlySpan<double> map, double min, double range, Span<byte> q)
    {
        ref double m = ref MemoryMarshal.GetReference(map);
        ref byte o = ref MemoryMarshal.GetReference(q);
        var vmin = Vector256.Create(min);
        var vrange = Vector256.Create(range);
        var v255 = Vector256.Create(255.0);
        var top = Vector128<byte>.Zero;
        int i = 0;
        for (; i <= map.Length - 16; i += 16)
        {
            var a = Level(Vector256.LoadUnsafe(ref m, (nuint)i), vmin, vrange, v255);
            var b = Level(Vector256.LoadUnsafe(ref m, (nuint)(i + 4)), vmin, vrange, v255);
            var c = Level(Vector256.LoadUnsafe(ref m, (nuint)(i + 8)), vmin, vrange, v255);
            var d = Level(Vector256.LoadUnsafe(ref m, (nuint)(i + 12)), vmin, vrange, v255);
            var shorts = Vector256.Narrow(Vector256.Narrow(a, b), Vector256.Narrow(c, d));
            var bytes = Vector256.Narrow(shorts, shorts).GetLower().AsByte();
            bytes.StoreUnsafe(ref o, (nuint)i);
            top = Vector128.Max(top, bytes);
        }
        byte t = 0;
        for (int k = 0; k < 16; k++) t = Math.Max(t, top[k]);
        return (i, t);
    }

    private static Vector256<long> Level(Vector256<double> v, Vector256<double> min, Vector256<double> range, Vector256<double> v255) =>
        Vector256.ConvertToInt64(Vector256.Min(Vector256.Max((v - min) / range * v255, Vector256<double>.Zero), v255));

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
