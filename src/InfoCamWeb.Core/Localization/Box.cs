namespace InfoCamWeb.Core.Localization;

/// <summary>
/// An axis-aligned box with inclusive pixel corners, as wsolevaluation stores them:
/// <c>(x0, y0, x1, y1)</c>, area <c>(x1 - x0 + 1) * (y1 - y0 + 1)</c>.
/// </summary>
public readonly record struct Box(int X0, int Y0, int X1, int Y1)
{
    /// <summary>The box reported when a mask has no contour at all.</summary>
    public static readonly Box None = new(0, 0, 0, 0);

    public long Area => (long)(X1 - X0 + 1) * (Y1 - Y0 + 1);

    /// <summary>Intersection over union with the inclusive pixel convention (wsolevaluation's <c>calculate_multiple_iou</c>).</summary>
    public double IoU(Box other)
    {
        int ix0 = Math.Max(X0, other.X0), iy0 = Math.Max(Y0, other.Y0);
        int ix1 = Math.Min(X1, other.X1), iy1 = Math.Min(Y1, other.Y1);
        long iw = Math.Max(0, ix1 - ix0 + 1), ih = Math.Max(0, iy1 - iy0 + 1);
        long inter = iw * ih;
        double union = Area + other.Area - inter;
        return inter / union;
    }

    /// <summary>The best IoU of this box against any of <paramref name="truth"/>.</summary>
    public double BestIoU(ReadOnlySpan<Box> truth)
    {
        double best = 0;
        foreach (var t in truth)
        {
            best = Math.Max(best, IoU(t));
        }
        return best;
    }

    public override string ToString() => $"[{X0}, {Y0}, {X1}, {Y1}]";
}
