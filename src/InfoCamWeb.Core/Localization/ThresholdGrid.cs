namespace InfoCamWeb.Core.Localization;

/// <summary>
/// The CAM thresholds of a sweep (<c>t = k * step &lt; 1</c>, numpy's <c>arange(0, 1, step)</c>) mapped to the integer levels
/// <c>(int)(t * max(q))</c> of one quantised map. Many thresholds share a level; each distinct level is computed once.
/// </summary>
public sealed class ThresholdGrid
{
    private readonly int[] _levelIndex;

    private ThresholdGrid(int[] levels, int[] levelIndex)
    {
        Levels = levels;
        _levelIndex = levelIndex;
    }

    /// <summary>Distinct levels, ascending.</summary>
    public int[] Levels { get; }

    /// <summary>Index into <see cref="Levels"/> for threshold number <paramref name="k"/>.</summary>
    public int LevelIndexOf(int k) => _levelIndex[k];

    /// <summary>numpy's <c>np.arange(0, 1, step)</c>: <c>ceil(1 / step)</c> values <c>k * step</c>.</summary>
    public static double[] Thresholds(double step)
    {
        if (!(step > 0) || step >= 1 || !double.IsFinite(step))
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "The threshold step must be in (0, 1).");
        }
        int count = (int)Math.Ceiling(1.0 / step);
        var t = new double[count];
        for (int k = 0; k < count; k++)
        {
            t[k] = k * step;
        }
        return t;
    }

    /// <summary>The integer level a threshold selects on a map whose largest quantised value is <paramref name="maxLevel"/>.</summary>
    public static int LevelOf(double threshold, int maxLevel) => (int)(threshold * maxLevel);

    public static ThresholdGrid Create(ReadOnlySpan<double> thresholds, int maxLevel)
    {
        var levelOfK = new int[thresholds.Length];
        Span<bool> used = stackalloc bool[257];
        used.Clear();
        for (int k = 0; k < thresholds.Length; k++)
        {
            int level = Math.Clamp(LevelOf(thresholds[k], maxLevel), 0, 256);
            levelOfK[k] = level;
            used[level] = true;
        }
        var levels = new List<int>();
        Span<int> indexOfLevel = stackalloc int[257];
        for (int v = 0; v <= 256; v++)
        {
            if (used[v])
            {
                indexOfLevel[v] = levels.Count;
                levels.Add(v);
            }
        }
        for (int k = 0; k < levelOfK.Length; k++)
        {
            levelOfK[k] = indexOfLevel[levelOfK[k]];
        }
        return new ThresholdGrid(levels.ToArray(), levelOfK);
    }
}
