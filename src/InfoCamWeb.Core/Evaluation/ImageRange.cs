namespace InfoCamWeb.Core.Evaluation;

/// <summary>Images [Start, End) of a split, by their index in split order: one shard of a run.</summary>
public readonly record struct ImageRange(int Start, int End)
{
    public int Length => End - Start;

    public bool Contains(int index) => index >= Start && index < End;

    /// <summary>Cuts <paramref name="count"/> images into consecutive ranges of <paramref name="size"/> (the last may be shorter).</summary>
    public static IReadOnlyList<ImageRange> Split(int count, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var ranges = new List<ImageRange>((count + size - 1) / size);
        for (int start = 0; start < count; start += size)
        {
            ranges.Add(new ImageRange(start, Math.Min(count, start + size)));
        }
        return ranges;
    }

    public override string ToString() => $"{Start}–{End - 1}";
}
