using System.Globalization;
using InfoCamWeb.Core.Imaging;

namespace InfoCamWeb.Web.Features.Images;

/// <summary>The colour bar under a heatmap: the same "jet" colours the heatmap PNGs are drawn with.</summary>
public static class HeatmapScale
{
    /// <summary>Where jet's piecewise-linear colours bend (0, 1/8, 3/8, 5/8, 7/8, 1), so a CSS gradient through them is exact.</summary>
    private static readonly double[] Bends = [0, 0.125, 0.375, 0.625, 0.875, 1];

    /// <summary>A CSS linear-gradient from the lowest to the highest map value.</summary>
    public static string CssGradient() =>
        "linear-gradient(to right, " + string.Join(", ", Bends.Select(x =>
        {
            var (r, g, b) = Overlay.Jet(x);
            return $"rgb({r},{g},{b}) {(x * 100).ToString("0.#", CultureInfo.InvariantCulture)}%";
        })) + ")";
}
