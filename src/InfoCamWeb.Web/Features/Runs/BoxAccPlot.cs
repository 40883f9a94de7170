using System.Globalization;
using InfoCamWeb.Core.Evaluation;

namespace InfoCamWeb.Web.Features.Runs;

/// <summary>
/// The geometry of the BoxAcc chart in SVG user units: BoxAcc(t, IoU ≥ 0.5) against the CAM threshold t for every
/// method, a dot on each curve's maximum (MaxBoxAcc and its threshold) and a diamond at the fixed threshold (GT-known
/// Loc). Drawn by hand rather than with a chart component, because the markers must sit on exact thresholds.
/// </summary>
public sealed class BoxAccPlot
{
    public const double Width = 720, Height = 300, Left = 56, Right = 16, Top = 22, Bottom = 46;

    /// <summary>A run's chart: one curve per method, in the method's colour.</summary>
    public BoxAccPlot(EvaluationResult result)
        : this(result.Methods.Select(kv => new Series(kv.Key, MethodStyles.Name(kv.Key), MethodStyles.Hex(kv.Key), kv.Value, result.Settings.ThresholdStep, result.Settings.CamThreshold)).ToList())
    {
    }

    /// <summary>Any curves on one chart (runs compared: one curve per run); the fixed-threshold line is the first curve's.</summary>
    public BoxAccPlot(IReadOnlyList<Series> series)
    {
        FixedThreshold = series.Count == 0 ? 0 : series[0].FixedThreshold;
        double highest = series.SelectMany(c => c.Scores.BoxAccCurve).Append(0).Max();
        YMax = Math.Clamp(Math.Ceiling(Math.Max(highest, 1) / 10) * 10, 10, 100);
        Curves = series.Select(c => new Curve(c, this)).ToList();
    }

    /// <summary>One curve to draw: what it is called and coloured, its scores, and the run's threshold step and fixed threshold.</summary>
    public sealed record Series(string Key, string Label, string Colour, MethodScores Scores, double Step, double FixedThreshold);

    public double FixedThreshold { get; }

    /// <summary>The top of the y axis: the highest BoxAcc rounded up to 10 (at least 10, at most 100).</summary>
    public double YMax { get; }

    public IReadOnlyList<Curve> Curves { get; }

    public double X(double threshold) => Left + threshold * (Width - Left - Right);

    public double Y(double percent) => Height - Bottom - percent / YMax * (Height - Top - Bottom);

    public IEnumerable<double> XTicks => Enumerable.Range(0, 11).Select(i => i / 10.0);

    public IEnumerable<double> YTicks => Enumerable.Range(0, 6).Select(i => YMax * i / 5);

    public static string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>One method's curve, its hover points (at most ~100) and its two markers.</summary>
    public sealed class Curve(Series series, BoxAccPlot plot)
    {
        public string Key => series.Key;
        public string Label => series.Label;
        public string Colour => series.Colour;
        public MethodScores Scores => series.Scores;
        public double FixedThreshold => series.FixedThreshold;

        /// <summary>The SVG points of the whole curve: BoxAcc at t = k · step.</summary>
        public string Points => string.Join(' ', Scores.BoxAccCurve.Select((v, k) => $"{N(plot.X(k * series.Step))},{N(plot.Y(v))}"));

        /// <summary>Points with a tooltip: every point of a coarse curve, evenly thinned for a fine one.</summary>
        public IEnumerable<(double Threshold, double Value)> HoverPoints
        {
            get
            {
                int stride = Math.Max(1, Scores.BoxAccCurve.Length / 100);
                return Scores.BoxAccCurve.Select((v, k) => (k * series.Step, v)).Where((_, k) => k % stride == 0);
            }
        }
    }
}
