using System.Globalization;
using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Evaluation;

/// <summary>
/// MaxBoxAccV2's IoU list in percent (wsolevaluation's <c>iou_threshold_list</c>, 30/50/70 by default): MaxBoxAccV2 is
/// the mean over the list of the best multi-contour BoxAcc at that IoU.
/// </summary>
public static class MultiIoUs
{
    public static readonly IReadOnlyList<int> Default = [30, 50, 70];

    /// <summary>Whether a result's list (null: made before it was configurable) is 30, 50, 70.</summary>
    public static bool IsDefault(IReadOnlyList<int>? list) => list is null || list.SequenceEqual(Default);

    /// <summary>The key of an IoU in <c>maxBoxAccV2ByIou</c> ("30").</summary>
    public static string Key(int percent) => percent.ToString(CultureInfo.InvariantCulture);

    /// <summary>"30,50,70" as distinct percentages in ascending order; throws <see cref="ArgumentException"/> saying what is wrong.</summary>
    public static IReadOnlyList<int> Parse(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var list = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int v))
            {
                throw new ArgumentException($"--iou-thresholds: '{part}' is not a whole percentage (e.g. 30,50,70).");
            }
            list.Add(v);
        }
        var sorted = list.Distinct().Order().ToList();
        Validate(sorted);
        return sorted;
    }

    /// <summary>Why the list cannot be used, as an exception; nothing when it can.</summary>
    public static void Validate(IReadOnlyList<int> list)
    {
        if (list.Count is 0 or > HitFlags.MaxIoUs)
        {
            throw new ArgumentException($"--iou-thresholds: give 1 to {HitFlags.MaxIoUs} IoUs in percent, e.g. 30,50,70; {list.Count} given.");
        }
        var outside = list.Where(v => v is < 1 or > 100).ToList();
        if (outside.Count > 0)
        {
            throw new ArgumentException($"--iou-thresholds: {outside[0]} is not a percentage from 1 to 100.");
        }
        if (list.Distinct().Count() != list.Count)
        {
            throw new ArgumentException("--iou-thresholds: an IoU is listed twice.");
        }
    }

    /// <summary>As text for people: "30 / 50 / 70".</summary>
    public static string Text(IEnumerable<int> list) => string.Join(" / ", list.Select(Key));
}
