namespace InfoCamWeb.Core.Localization;

/// <summary>
/// Follows one border of a binary mask exactly as OpenCV's <c>icvFetchContour</c> (Suzuki &amp; Abe) does and
/// reports what the protocol needs of the contour: its <c>contourArea</c> and <c>boundingRect</c>.
/// The mask is <c>q &gt; level</c> over a zero-padded grid (OpenCV pads the image with one zero pixel).
/// </summary>
internal sealed class ContourTracer
{
    private readonly int _stride;
    private readonly int[] _deltas = new int[16];
    private static readonly int[] Dx = [1, 1, 0, -1, -1, -1, 0, 1];
    private static readonly int[] Dy = [0, -1, -1, -1, 0, 1, 1, 1];

    public ContourTracer(int stride)
    {
        _stride = stride;
        int[] d = [1, 1 - stride, -stride, -1 - stride, -1, stride - 1, stride, stride + 1];
        d.CopyTo(_deltas, 0);
        d.CopyTo(_deltas, 8);
    }

    /// <summary>A traced border: twice its <c>contourArea</c> (an integer: the polygon's vertices are pixel centres) and its box.</summary>
    public readonly record struct Trace(long TwiceArea, int MinX, int MinY, int MaxX, int MaxY);

    /// <summary>
    /// Traces the border that starts at padded index <paramref name="start"/> (pixel <paramref name="x"/>, <paramref name="y"/>).
    /// Outer borders start at a component's first pixel in raster order; hole borders at the foreground
    /// pixel left of the hole's first pixel.
    /// </summary>
    public Trace Follow(ReadOnlySpan<byte> padded, int level, int start, int x, int y, bool hole)
    {
        var deltas = _deltas;
        int s = hole ? 0 : 4;
        int sEnd = s;
        int i1;
        do
        {
            s = (s - 1) & 7;
            i1 = start + deltas[s];
        }
        while (padded[i1] <= level && s != sEnd);

        if (s == sEnd)
        {
            return new Trace(0, x, y, x, y);
        }

        int minX = x, maxX = x, minY = y, maxY = y;
        long twiceArea = 0;
        int px = x, py = y;
        int i3 = start;
        while (true)
        {
            sEnd = s;
            int i4 = i3;
            while (s < 15)
            {
                i4 = i3 + deltas[++s];
                if (padded[i4] > level)
                {
                    break;
                }
            }
            s &= 7;

            int nx = px + Dx[s], ny = py + Dy[s];
            twiceArea += (long)px * ny - (long)nx * py;
            px = nx;
            py = ny;
            if (px < minX) minX = px; else if (px > maxX) maxX = px;
            if (py < minY) minY = py; else if (py > maxY) maxY = py;

            if (i4 == start && i3 == i1)
            {
                break;
            }
            i3 = i4;
            s = (s + 4) & 7;
        }
        return new Trace(Math.Abs(twiceArea), minX, minY, maxX, maxY);
    }
}
