namespace InfoCamWeb.Core.Localization;

/// <summary>The boxes found at each level of a <see cref="ContourSweep"/> run: the largest contour's box and every contour's box.</summary>
public sealed class SweepResult
{
    private int[] _levels = [];
    private Box[] _largest = [];
    private int[] _outerStart = [], _outerCount = [];
    private readonly List<Box> _outer = new();
    private List<Box>[] _holes = [];
    private int _outerLevel = -1;

    public int LevelCount => _levels.Length;

    public int Level(int index) => _levels[index];

    /// <summary>Box of the contour with the largest <c>contourArea</c>, or <see cref="Box.None"/> when there is no contour.</summary>
    public Box Largest(int index) => _largest[index];

    /// <summary>Boxes of the outer contours (one per 8-connected component).</summary>
    public ReadOnlySpan<Box> Outer(int index) =>
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_outer).Slice(_outerStart[index], _outerCount[index]);

    /// <summary>Boxes of the hole contours.</summary>
    public ReadOnlySpan<Box> Holes(int index) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_holes[index]);

    /// <summary>Every contour's box (outer and holes); <see cref="Box.None"/> alone when there is no contour, as wsolevaluation does.</summary>
    public List<Box> All(int index)
    {
        var all = new List<Box>(_outerCount[index] + _holes[index].Count);
        all.AddRange(Outer(index));
        all.AddRange(_holes[index]);
        if (all.Count == 0)
        {
            all.Add(Box.None);
        }
        return all;
    }

    /// <summary>Best IoU of any contour's box (or <see cref="Box.None"/> when none) against the ground truth.</summary>
    public double BestIoUAll(int index, ReadOnlySpan<Box> truth)
    {
        if (_outerCount[index] == 0 && _holes[index].Count == 0)
        {
            return Box.None.BestIoU(truth);
        }
        double best = 0;
        foreach (var b in Outer(index))
        {
            best = Math.Max(best, b.BestIoU(truth));
        }
        foreach (var b in Holes(index))
        {
            best = Math.Max(best, b.BestIoU(truth));
        }
        return best;
    }

    internal void Reset(ReadOnlySpan<int> levels)
    {
        if (_levels.Length != levels.Length)
        {
            _levels = new int[levels.Length];
            _largest = new Box[levels.Length];
            _outerStart = new int[levels.Length];
            _outerCount = new int[levels.Length];
            var old = _holes;
            _holes = new List<Box>[levels.Length];
            for (int i = 0; i < _holes.Length; i++)
            {
                _holes[i] = i < old.Length ? old[i] : new List<Box>();
            }
        }
        levels.CopyTo(_levels);
        // Both: a level without contours in this run must not slice from where an earlier run's contours started.
        Array.Clear(_outerStart);
        Array.Clear(_outerCount);
        _outer.Clear();
        foreach (var h in _holes)
        {
            h.Clear();
        }
        _outerLevel = -1;
    }

    internal void SetLargest(int index, Box box) => _largest[index] = box;

    internal void AddOuter(int index, Box box)
    {
        if (_outerLevel != index)
        {
            _outerStart[index] = _outer.Count;
            _outerLevel = index;
        }
        _outer.Add(box);
        _outerCount[index]++;
    }

    internal void AddHole(int index, Box box) => _holes[index].Add(box);
}
