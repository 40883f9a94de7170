using System.Globalization;
using System.Text;
using System.Text.Json;
using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Datasets;

namespace InfoCamWeb.Core.Evaluation;

/// <summary>The run's JSON and per-image CSV, as the CLI writes them and the web app serves them.</summary>
public static class ResultFiles
{
    public static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static string ToJson(EvaluationResult result) => JsonSerializer.Serialize(result, JsonOptions);

    public static EvaluationResult FromJson(string json) =>
        JsonSerializer.Deserialize<EvaluationResult>(json, JsonOptions) ?? throw new FormatException("Empty result JSON.");

    /// <summary>The header; with <paramref name="classNames"/>, two last columns name the true and predicted classes.</summary>
    public static string CsvHeader(IReadOnlyList<CamMethod> methods, bool classNames)
    {
        var header = CsvHeader(methods);
        return classNames ? header + ",gt_name,pred_name" : header;
    }

    /// <summary>One row with the true and predicted class names last (as <see cref="CsvHeader(IReadOnlyList{CamMethod}, bool)"/>).</summary>
    public static string CsvRow(ImageOutcome o, Dataset dataset, bool classNames) => !classNames ? CsvRow(o, dataset) :
        CsvRow(o, dataset) + "," + Escape(dataset.NameOf(o.TrueClass)) + "," + Escape(dataset.NameOf(o.PredictedClass));

    public static string CsvHeader(IReadOnlyList<CamMethod> methods)
    {
        var sb = new StringBuilder("image_id,gt,pred");
        foreach (var m in methods)
        {
            var k = m.Key();
            sb.Append(CultureInfo.InvariantCulture, $",{k}_x0,{k}_y0,{k}_x1,{k}_y1,{k}_iou");
        }
        return sb.ToString();
    }

    /// <summary>One CSV row: boxes in the S x S frame, classes as the dataset labels them (a predicted class beyond the dataset's own by the label it would have), the largest box at the fixed threshold.</summary>
    public static string CsvRow(ImageOutcome o, Dataset dataset)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(Escape(o.ImageId)).Append(',').Append(Escape(dataset.LabelOf(o.TrueClass))).Append(',').Append(Escape(dataset.LabelOf(o.PredictedClass)));
        foreach (var m in o.Methods)
        {
            var b = m.FixedBox;
            sb.Append(inv, $",{b.X0},{b.Y0},{b.X1},{b.Y1},{m.FixedIoU.ToString("R", inv)}");
        }
        return sb.ToString();
    }

    private static string Escape(string s) => CsvCell.Escape(s);
}

/// <summary>
/// One CSV cell from text someone else chose (image paths, class, model and team names): quoted when it holds a
/// separator, a quote or a line break, and kept from being read as a spreadsheet formula (a leading =, +, -, @, tab
/// or carriage return gets a leading apostrophe, as OWASP advises against CSV injection).
/// </summary>
public static class CsvCell
{
    public static string Escape(string s)
    {
        if (s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            s = "'" + s;
        }
        return s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
    }
}
