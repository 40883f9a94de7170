using System.Globalization;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Models;
using InfoCamWeb.Data.Entities;

namespace InfoCamWeb.Data.Runs;

/// <summary>A model record's preprocessing and head overrides as engine values (what a new run's <see cref="RunSpec"/> captures).</summary>
public static class RunSettings
{
    public static Preprocessing PreprocessingOf(ModelRecord model) =>
        new(model.InputSize, ParseTriple(model.Mean), ParseTriple(model.Std), model.Bgr);

    public static HeadOverrides? OverridesOf(ModelRecord model) =>
        model.FeatureOverride is null ? null : new HeadOverrides
        {
            FeatureTensor = model.FeatureOverride,
            WeightInitializer = model.WeightOverride,
            BiasInitializer = model.BiasOverride,
        };

    public static float[] ParseTriple(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 3 || !parts.All(p => float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && float.IsFinite(v)))
        {
            throw new FormatException($"'{text}' must be three numbers separated by commas (r,g,b).");
        }
        return parts.Select(p => float.Parse(p, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
    }

    public static string FormatTriple(IEnumerable<float> values) => string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
