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

    public BoxAccPlot(EvaluationResult result)
    {
        Step = result.Settings.ThresholdStep;
        FixedThreshold = result.Settings.CamThreshold;
        double highest = result.Methods.Values.SelectMany(m => m.BoxAccCurve).Append(0).Max();
        YMax = Math.Clamp(Math.Ceiling(Math.Max(highest, 1) / 10) * 10, 10, 100);
        Curves = result.Methods.Select(kv => new Curve(kv.Key, kv.Value, this)).ToList();
    }

    public double Step { get; }
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
    public sealed class Curve(string key, MethodScores scores, BoxAccPlot plot)
    {
        public string Key { get; } = key;
        public MethodScores Scores { get; } = scores;

        /// <summary>The SVG points of the whole curve: BoxAcc at t = k · step.</summary>
        public string Points => string.Join(' ', Scores.BoxAccCurve.Select((v, k) => $"{N(plot.X(k * plot.Step))},{N(plot.Y(v))}"));

        /// <summary>Points with a tooltip: every point of a coarse curve, evenly thinned for a fine one.</summary>
        public IEnumerable<(double Threshold, double Value)> HoverPoints
        {
            get
            {
                int stride = Math.Max(1, Scores.BoxAccCurve.Length / 100);
                return Scores.BoxAccCurve.Select((v, k) => (k * plot.Step, v)).Where((_, k) => k % stride == 0);
            }
        }
    }
}
