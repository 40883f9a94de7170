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

        var xTaps = Taps(srcW, dstW);
        var yTaps = Taps(srcH, dstH);

        // Horizontal pass: every source row resized to dstW columns.
        var rows = new double[srcH * dstW];
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
            var r0 = rows.AsSpan(t.I0 * dstW, dstW);
            var r1 = rows.AsSpan(t.I1 * dstW, dstW);
            var r2 = rows.AsSpan(t.I2 * dstW, dstW);
            var r3 = rows.AsSpan(t.I3 * dstW, dstW);
            var d = dst.Slice(dy * dstW, dstW);
            double b0 = t.C0, b1 = t.C1, b2 = t.C2, b3 = t.C3;
            for (int x = 0; x < dstW; x++)
            {
                d[x] = r0[x] * b0 + r1[x] * b1 + r2[x] * b2 + r3[x] * b3;
            }
        }
    }

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
