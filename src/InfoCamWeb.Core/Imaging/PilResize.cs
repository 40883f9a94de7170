using System.Buffers;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace InfoCamWeb.Core.Imaging;

/// <summary>
/// Pillow's <c>Image.resize(size, BILINEAR)</c> for 8-bit RGB, bit for bit: a triangle filter whose support grows with
/// the reduction factor (antialiasing), coefficients normalised then fixed-point with 22 fractional bits, a horizontal
/// pass rounded to 8 bits, then a vertical pass. This is what torchvision's <c>Resize</c> does on PIL images, which both
/// reference codebases use.
/// </summary>
public static class PilResize
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <param name="pool">Where the result's pixels come from (the caller returns them); new arrays without one.</param>
    public static RgbImage Resize(RgbImage src, int width, int height, ArrayPool<byte>? pool = null)
    {
        if (width < 1 || height < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(width));
        }
        bool needH = width != src.Width;
        bool needV = height != src.Height;
        if (!needH && !needV)
        {
            int n = src.Width * src.Height * 3;
            var copy = pool?.Rent(n) ?? new byte[n];
            src.Pixels.AsSpan(0, n).CopyTo(copy);
            return new RgbImage(src.Width, src.Height, copy) { Pool = pool };
        }
        var (kxSize, xBounds, kx) = Coefficients(src.Width, width);
        var (kySize, yBounds, ky) = Coefficients(src.Height, height);

        var current = src;
        int yFirst = 0;
        if (needH)
        {
            yFirst = yBounds[0];
            int yLast = yBounds[(height - 1) * 2] + yBounds[(height - 1) * 2 + 1];
            for (int i = 0; i < height; i++)
            {
                yBounds[i * 2] -= yFirst;
            }
            // The intermediate is always pooled: only the result leaves this method.
            current = Horizontal(src, width, yFirst, yLast - yFirst, kxSize, xBounds, kx, needV ? ArrayPool<byte>.Shared : pool);
        }
        if (needV)
        {
            var intermediate = current;
            current = Vertical(current, height, kySize, yBounds, ky, pool);
            if (needH)
            {
                intermediate.Release();
            }
        }
        return current;
    }

    private static (int KSize, int[] Bounds, int[] Kernel) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = 1.0 * filterScale;
        int ksize = (int)Math.Ceiling(support) * 2 + 1;
        var bounds = new int[outSize * 2];
        var prekk = new double[outSize * ksize];
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale;
            double ww = 0.0;
            double ss = 1.0 / filterScale;
            int xmin = (int)(center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int)(center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            int k = xx * ksize;
            for (int x = 0; x < xmax; x++)
            {
                double w = Triangle((x + xmin - center + 0.5) * ss);
                prekk[k + x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++)
            {
                if (ww != 0.0)
                {
                    prekk[k + x] /= ww;
                }
            }
            bounds[xx * 2] = xmin;
            bounds[xx * 2 + 1] = xmax;
        }
        var kk = new int[prekk.Length];
        for (int i = 0; i < prekk.Length; i++)
        {
            kk[i] = prekk[i] < 0
                ? (int)(-0.5 + prekk[i] * (1 << PrecisionBits))
                : (int)(0.5 + prekk[i] * (1 << PrecisionBits));
        }
        return (ksize, bounds, kk);
    }

    private static double Triangle(double x)
    {
        if (x < 0.0) x = -x;
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static byte Clip8(int v)
    {
        if (v >= 1 << PrecisionBits << 8) return 255;
        if (v <= 0) return 0;
        return (byte)(v >> PrecisionBits);
    }

    private static unsafe RgbImage Horizontal(RgbImage src, int width, int yOffset, int rows, int ksize, int[] bounds, int[] kk, ArrayPool<byte>? pool)
    {
        var dst = pool?.Rent(width * rows * 3) ?? new byte[width * rows * 3];
        int srcStride = src.Width * 3;
        var pairWeights = Avx2.IsSupported && width > 1 ? PairWeights(width, ksize, kk) : null;
        fixed (byte* s = src.Pixels, o = dst)
        fixed (int* kp = kk, bp = bounds, pairs = pairWeights)
        {
            for (int yy = 0; yy < rows; yy++)
            {
                byte* row = s + (yy + yOffset) * srcStride;
                byte* outRow = o + yy * width * 3;
                // A tap reads 4 bytes (the pixel and the next one's red, weighted but never stored): not past the buffer's end.
                bool lastRow = (yy + yOffset + 1) * srcStride + 1 > src.Pixels.Length;
                int done = pairWeights is null ? 0 : HorizontalPairs(row, s + src.Pixels.Length, width, ksize, bp, pairs, outRow);
                for (int xx = done; xx < width; xx++)
                {
                    int xmin = bp[xx * 2], xmax = bp[xx * 2 + 1];
                    int* k = kp + xx * ksize;
                    byte* op = outRow + xx * 3;
                    if (Sse41.IsSupported && !(lastRow && xmin + xmax == src.Width))
                    {
                        HorizontalPixel4(row + xmin * 3, k, xmax, op);
                        continue;
                    }
                    int ss0 = 1 << (PrecisionBits - 1), ss1 = ss0, ss2 = ss0;
                    byte* px = row + xmin * 3;
                    for (int x = 0; x < xmax; x++, px += 3)
                    {
                        int w = k[x];
                        ss0 += px[0] * w;
                        ss1 += px[1] * w;
                        ss2 += px[2] * w;
                    }
                    op[0] = Clip8(ss0);
                    op[1] = Clip8(ss1);
                    op[2] = Clip8(ss2);
                }
            }
        }
        if (pairWeights is not null)
        {
            ArrayPool<int>.Shared.Return(pairWeights);
        }
        return new RgbImage(width, rows, dst) { Pool = pool };
    }

    /// <summary>
    /// The horizontal weights of output pixels 2i and 2i + 1 side by side, per tap: four lanes (R, G, B and an unused
    /// fourth) of the first pixel's weight, then four of the second's. A tap past a pixel's own window weighs 0.
    /// </summary>
    private static int[] PairWeights(int width, int ksize, int[] kk)
    {
        var pairs = ArrayPool<int>.Shared.Rent(width / 2 * ksize * 8);
        for (int pair = 0; pair < width / 2; pair++)
        {
            for (int t = 0; t < ksize; t++)
            {
                var lanes = pairs.AsSpan((pair * ksize + t) * 8, 8);
                lanes[..4].Fill(kk[2 * pair * ksize + t]);
                lanes[4..].Fill(kk[(2 * pair + 1) * ksize + t]);
            }
        }
        return pairs;
    }

    /// <summary>
    /// Two output pixels of the horizontal pass at a time, one in each half of a 256-bit vector: both run over the longer
    /// of their two windows (the shorter one's extra taps weigh 0, so each integer sum is the same), then clip as
    /// <see cref="Clip8"/> does (shift, saturating packs). Stops before a pair whose 4-byte tap reads would pass
    /// <paramref name="end"/>; returns how many output pixels it wrote.
    /// </summary>
    private static unsafe int HorizontalPairs(byte* row, byte* end, int width, int ksize, int* bounds, int* pairs, byte* outRow)
    {
        var half = Vector256.Create(1 << (PrecisionBits - 1));
        int xx = 0;
        for (; xx + 1 < width; xx += 2)
        {
            int xminA = bounds[xx * 2], xminB = bounds[xx * 2 + 2];
            int taps = Math.Max(bounds[xx * 2 + 1], bounds[xx * 2 + 3]);
            byte* a = row + xminA * 3, b = row + xminB * 3;
            // Windows start left to right (xminA <= xminB): the second pixel's last tap is the furthest read.
            if (b + (taps - 1) * 3 + 4 > end)
            {
                break;
            }
            int* w = pairs + xx / 2 * ksize * 8;
            var ss = half;
            for (int t = 0; t < taps; t++, a += 3, b += 3, w += 8)
            {
                var pixels = Vector128.CreateScalarUnsafe(*(uint*)a).WithElement(1, *(uint*)b).AsByte();
                ss = Avx2.Add(ss, Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(pixels), Avx.LoadVector256(w)));
            }
            var shifted = Avx2.ShiftRightArithmetic(ss, PrecisionBits);
            var bytes = Avx2.PackUnsignedSaturate(Avx2.PackSignedSaturate(shifted, shifted), Vector256<short>.Zero);
            uint first = bytes.AsUInt32().GetElement(0), second = bytes.AsUInt32().GetElement(4);
            byte* op = outRow + xx * 3;
            op[0] = (byte)first;
            op[1] = (byte)(first >> 8);
            op[2] = (byte)(first >> 16);
            op[3] = (byte)second;
            op[4] = (byte)(second >> 8);
            op[5] = (byte)(second >> 16);
        }
        return xx;
    }

    /// <summary>One output pixel of the horizontal pass, the three channels (and a fourth, unused) in one vector: integer sums, the same bits.</summary>
    private static unsafe void HorizontalPixel4(byte* px, int* k, int taps, byte* op)
    {
        var ss = Vector128.Create(1 << (PrecisionBits - 1));
        for (int x = 0; x < taps; x++, px += 3)
        {
            ss = Sse2.Add(ss, Sse41.MultiplyLow(Sse41.ConvertToVector128Int32(px), Vector128.Create(k[x])));
        }
        op[0] = Clip8(ss.GetElement(0));
        op[1] = Clip8(ss.GetElement(1));
        op[2] = Clip8(ss.GetElement(2));
    }

    /// <summary><c>a[i] += row[i] * w</c> for <paramref name="count"/> values.</summary>
    private static unsafe void AddRow(byte* row, int w, int* a, int count)
    {
        int i = 0;
        if (Avx2.IsSupported)
        {
            var weight = Vector256.Create(w);
            for (; i <= count - 8; i += 8)
            {
                var pixels = Avx2.ConvertToVector256Int32(row + i); // zero-extends 8 bytes
                Avx.Store(a + i, Avx2.Add(Avx.LoadVector256(a + i), Avx2.MultiplyLow(pixels, weight)));
            }
        }
        for (; i < count; i++)
        {
            a[i] += row[i] * w;
        }
    }

    /// <summary><c>out[i] = Clip8(a[i])</c>: sixteen at a time by an arithmetic shift and saturating packs (the same clip).</summary>
    private static unsafe void ClipRow(int* a, byte* outRow, int count)
    {
        int i = 0;
        if (Avx2.IsSupported)
        {
            for (; i <= count - 16; i += 16)
            {
                var lo = Avx2.ShiftRightArithmetic(Avx.LoadVector256(a + i), PrecisionBits);
                var hi = Avx2.ShiftRightArithmetic(Avx.LoadVector256(a + i + 8), PrecisionBits);
                // The 256-bit pack works per 128-bit half (words lo[0..3] hi[0..3] | lo[4..7] hi[4..7]): the permute puts
                // them back in order before the last pack to bytes.
                var words = Avx2.Permute4x64(Avx2.PackSignedSaturate(lo, hi).AsUInt64(), 0b_11_01_10_00).AsInt16();
                Sse2.Store(outRow + i, Sse2.PackUnsignedSaturate(words.GetLower(), words.GetUpper()));
            }
        }
        for (; i < count; i++)
        {
            outRow[i] = Clip8(a[i]);
        }
    }

    private static unsafe RgbImage Vertical(RgbImage src, int height, int ksize, int[] bounds, int[] kk, ArrayPool<byte>? pool)
    {
        int width = src.Width;
        int stride = width * 3;
        var dst = pool?.Rent(height * stride) ?? new byte[height * stride];
        var acc = new int[stride];
        fixed (byte* s = src.Pixels, o = dst)
        fixed (int* kp = kk, bp = bounds, a = acc)
        {
            for (int yy = 0; yy < height; yy++)
            {
                int ymin = bp[yy * 2], ymax = bp[yy * 2 + 1];
                int* k = kp + yy * ksize;
                new Span<int>(a, stride).Fill(1 << (PrecisionBits - 1));
                // Row by row over the taps: the same sums in the same order as Pillow, read sequentially (integer sums:
                // eight lanes at a time give the same bits).
                for (int y = 0; y < ymax; y++)
                {
                    AddRow(s + (y + ymin) * stride, k[y], a, stride);
                }
                ClipRow(a, o + yy * stride, stride);
            }
        }
        return new RgbImage(width, height, dst) { Pool = pool };
    }
}
