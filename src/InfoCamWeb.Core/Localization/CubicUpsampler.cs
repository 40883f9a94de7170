using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace InfoCamWeb.Core.Localization;

/// <summary>
/// Resizes a single-channel map with OpenCV's <c>INTER_CUBIC</c> semantics for a <c>CV_64F</c> image:
/// half-pixel centres computed in double then rounded to float, Keys' kernel with <c>A = -0.75</c>
/// evaluated in float, replicated borders, horizontal pass then vertical pass accumulated in double.
/// Verified against OpenCV 4.6's own output (see the golden tests).
/// </summary>
public static class CubicUpsampler
{
    /// <summary>Resizes <paramref name="src"/> (<paramref name="srcH"/> x <paramref name="srcW"/>, row-major) into <paramref name="dst"/> (<paramref name="dstH"/> x <paramref name="dstW"/>).</summary>
    public static void Resize(ReadOnlySpan<double> src, int srcH, int srcW, Span<double> dst, int dstH, int dstW)
    {
        if (src.Length < srcH * srcW)
        {
            throw new ArgumentException("Source span is smaller than its shape.", nameof(src));
        }
        if (dst.Length < dstH * dstW)
        {
            throw new ArgumentException("Destination span is smaller than its shape.", nameof(dst));
        }

        var xTaps = TapsFor(srcW, dstW);
        var yTaps = TapsFor(srcH, dstH);

        // Horizontal pass: every source row resized to dstW columns.
        var rows = ArrayPool<double>.Shared.Rent(srcH * dstW);
        for (int y = 0; y < srcH; y++)
        {
            var s = src.Slice(y * srcW, srcW);
            var d = rows.AsSpan(y * dstW, dstW);
            for (int dx = 0; dx < dstW; dx++)
            {
                ref readonly var t = ref xTaps[dx];
                d[dx] = s[t.I0] * t.C0 + s[t.I1] * t.C1 + s[t.I2] * t.C2 + s[t.I3] * t.C3;
            }
        }

        // Vertical pass.
        for (int dy = 0; dy < dstH; dy++)
        {
            ref readonly var t = ref yTaps[dy];
            Vertical(rows.AsSpan(t.I0 * dstW, dstW), rows.AsSpan(t.I1 * dstW, dstW), rows.AsSpan(t.I2 * dstW, dstW), rows.AsSpan(t.I3 * dstW, dstW),
                t.C0, t.C1, t.C2, t.C3, dst.Slice(dy * dstW, dstW));
        }
        ArrayPool<double>.Shared.Return(rows);
    }

    /// <summary>
    /// <c>d = r0 * b0 + r1 * b1 + r2 * b2 + r3 * b3</c>, left to right, four columns at a time where the hardware allows:
    /// each lane performs the scalar operations in the scalar order (no fused multiply-add), so the bits are the same.
    /// </summary>
    private static void Vertical(ReadOnlySpan<double> r0, ReadOnlySpan<double> r1, ReadOnlySpan<double> r2, ReadOnlySpan<double> r3,
        double b0, double b1, double b2, double b3, Span<double> d)
    {
        int x = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var w0 = Vector256.Create(b0);
            var w1 = Vector256.Create(b1);
            var w2 = Vector256.Create(b2);
            var w3 = Vector256.Create(b3);
            ref double p0 = ref MemoryMarshal.GetReference(r0), p1 = ref MemoryMarshal.GetReference(r1);
            ref double p2 = ref MemoryMarshal.GetReference(r2), p3 = ref MemoryMarshal.GetReference(r3);
            ref double o = ref MemoryMarshal.GetReference(d);
            for (; x <= d.Length - 4; x += 4)
            {
                var v = Vector256.LoadUnsafe(ref p0, (nuint)x) * w0 + Vector256.LoadUnsafe(ref p1, (nuint)x) * w1
                    + Vector256.LoadUnsafe(ref p2, (nuint)x) * w2 + Vector256.LoadUnsafe(ref p3, (nuint)x) * w3;
                v.StoreUnsafe(ref o, (nuint)x);
            }
        }
        for (; x < d.Length; x++)
        {
            d[x] = r0[x] * b0 + r1[x] * b1 + r2[x] * b2 + r3[x] * b3;
        }
    }

    /// <summary>Taps of the sizes seen so far (a run sees one or two), shared by all threads.</summary>
    private static readonly ConcurrentDictionary<(int Src, int Dst), Tap[]> TapCache = new();

    private static Tap[] TapsFor(int srcSize, int dstSize) =>
        TapCache.Count < 64 ? TapCache.GetOrAdd((srcSize, dstSize), k => Taps(k.Src, k.Dst)) : TapCache.TryGetValue((srcSize, dstSize), out var t) ? t : Taps(srcSize, dstSize);

    private readonly record struct Tap(int I0, int I1, int I2, int I3, float C0, float C1, float C2, float C3);

    private static Tap[] Taps(int srcSize, int dstSize)
    {
        double invScale = (double)dstSize / srcSize;
        double scale = 1.0 / invScale;
        var taps = new Tap[dstSize];
        for (int d = 0; d < dstSize; d++)
        {
            float f = (float)((d + 0.5) * scale - 0.5);
            int s = (int)MathF.Floor(f);
            f -= s;
            Coefficients(f, out float c0, out float c1, out float c2, out float c3);
            taps[d] = new Tap(
                Clamp(s - 1, srcSize), Clamp(s, srcSize), Clamp(s + 1, srcSize), Clamp(s + 2, srcSize),
                c0, c1, c2, c3);
        }
        return taps;
    }

    private static int Clamp(int i, int size) => i < 0 ? 0 : i >= size ? size - 1 : i;

    /// <summary>OpenCV's <c>interpolateCubic</c>, in single precision like the original.</summary>
    internal static void Coefficients(float x, out float c0, out float c1, out float c2, out float c3)
    {
        const float A = -0.75f;
        c0 = ((A * (x + 1) - 5 * A) * (x + 1) + 8 * A) * (x + 1) - 4 * A;
        c1 = ((A + 2) * x - (A + 3)) * x * x + 1;
        c2 = ((A + 2) * (1 - x) - (A + 3)) * (1 - x) * (1 - x) + 1;
        c3 = 1f - c0 - c1 - c2;
    }
}
