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

    public static RgbImage Resize(RgbImage src, int width, int height)
    {
        if (width < 1 || height < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(width));
        }
        bool needH = width != src.Width;
        bool needV = height != src.Height;
        if (!needH && !needV)
        {
            return new RgbImage(src.Width, src.Height, (byte[])src.Pixels.Clone());
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
            current = Horizontal(src, width, yFirst, yLast - yFirst, kxSize, xBounds, kx);
        }
        if (needV)
        {
            current = Vertical(current, height, kySize, yBounds, ky);
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

    private static RgbImage Horizontal(RgbImage src, int width, int yOffset, int rows, int ksize, int[] bounds, int[] kk)
    {
        var dst = new byte[width * rows * 3];
        var s = src.Pixels;
        int srcStride = src.Width * 3;
        for (int yy = 0; yy < rows; yy++)
        {
            int rowBase = (yy + yOffset) * srcStride;
            int outBase = yy * width * 3;
            for (int xx = 0; xx < width; xx++)
            {
                int xmin = bounds[xx * 2], xmax = bounds[xx * 2 + 1];
                int k = xx * ksize;
                int ss0 = 1 << (PrecisionBits - 1), ss1 = ss0, ss2 = ss0;
                int p = rowBase + xmin * 3;
                for (int x = 0; x < xmax; x++, p += 3)
                {
                    int w = kk[k + x];
                    ss0 += s[p] * w;
                    ss1 += s[p + 1] * w;
                    ss2 += s[p + 2] * w;
                }
                int o = outBase + xx * 3;
                dst[o] = Clip8(ss0);
                dst[o + 1] = Clip8(ss1);
                dst[o + 2] = Clip8(ss2);
            }
        }
        return new RgbImage(width, rows, dst);
    }

    private static RgbImage Vertical(RgbImage src, int height, int ksize, int[] bounds, int[] kk)
    {
        int width = src.Width;
        int stride = width * 3;
        var dst = new byte[height * stride];
        var s = src.Pixels;
        for (int yy = 0; yy < height; yy++)
        {
            int ymin = bounds[yy * 2], ymax = bounds[yy * 2 + 1];
            int k = yy * ksize;
            int outBase = yy * stride;
            for (int i = 0; i < stride; i++)
            {
                int ss = 1 << (PrecisionBits - 1);
                int p = ymin * stride + i;
                for (int y = 0; y < ymax; y++, p += stride)
                {
                    ss += s[p] * kk[k + y];
                }
                dst[outBase + i] = Clip8(ss);
            }
        }
        return new RgbImage(width, height, dst);
    }
}
