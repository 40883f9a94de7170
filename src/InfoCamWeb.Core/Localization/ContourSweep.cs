using System.Numerics;
using System.Runtime.Intrinsics;

namespace InfoCamWeb.Core.Localization;

/// <summary>
/// Boxes of every contour that OpenCV's <c>findContours(q &gt; level, RETR_TREE, CHAIN_APPROX_SIMPLE)</c> would
/// return, for many levels of one quantised map at once, in a single pass over the pixels per direction.
/// <para>
/// Outer contours are the 8-connected components of <c>q &gt; level</c>; their <c>boundingRect</c> is the
/// component's bounding box. Hole contours are the 4-connected background components that do not reach
/// the (zero-padded) image border; their contour runs through the foreground pixels around the hole, so its
/// bounding rectangle is the hole's box grown by one pixel. Components are built with union-find while the
/// level sweeps down (foreground) and up (background), so the cost does not grow with the number of
/// thresholds. The foreground sweep keeps, per component, its Euler number and the <c>contourArea</c> of its outer
/// contour (both from the 2x2 windows of pixel centres, updated pixel by pixel), so the largest contour of a level is
/// known without tracing unless a component with a hole could be it (its contour encloses the hole, so it is traced). It
/// also counts each level's holes from the Euler number, so the background sweep stops at the highest level that has one.
/// </para>
/// Not thread-safe: one instance per worker thread; buffers are reused between maps.
/// </summary>
public sealed class ContourSweep
{
    private readonly int _size;
    private readonly int _n;
    private readonly int _stride;
    private readonly byte[] _padded;
    private readonly byte[] _paddedBackground;
    private const int Slack = 64;
    private const byte BorderBit = 16;

    /// <summary>In a background mask: the pixel has joined a component that reaches the border (see <see cref="JoinBackground"/>).</summary>
    private const byte OutsideBit = 32;

    /// <summary>Row bands of the counting sort (<see cref="BucketSort"/>); <see cref="CountBands"/> and <see cref="PlaceBands"/> are written out for four.</summary>
    private const int SortBands = 4;

    /// <summary>Per pixel, the ring mask of foreground neighbours joined before it (see <see cref="NeighbourMasks"/>).</summary>
    private readonly byte[] _foregroundMasks;

    /// <summary>
    /// Per pixel, the background neighbours (left, up, right, down) joined before it, and <see cref="BorderBit"/>; the
    /// background sweep adds <see cref="OutsideBit"/> once the pixel has joined the outside.
    /// </summary>
    private readonly byte[] _backgroundMasks;

    private readonly byte[] _borderBits;
    private readonly int[] _order;
    private readonly int[] _bucketStart = new int[257];
    private readonly int[] _parent;
    private Root[] _recs = new Root[1024];
    private int _recCount;
    private readonly ulong _rowMagic;
    private readonly int[] _neighbours8;
    private int[] _live;
    private int _liveCount;
    private readonly ContourTracer _tracer;

    /// <summary>Per level, how many holes the foreground has (components minus its Euler number): the background sweep stops above the last.</summary>
    private int[] _holeCounts = [];

    /// <summary>
    /// The four 2x2 windows holding the centre pixel, each as its ring bits in the order top-left, top-right, bottom-left,
    /// bottom-right (ring bits: N 0, NE 1, E 2, SE 3, S 4, SW 5, W 6, NW 7; -1 is the centre). Declared before the tables
    /// built from it.
    /// </summary>
    private static readonly int[][] Windows = [[7, 0, 6, -1], [0, 1, -1, 2], [6, -1, 5, 4], [-1, 2, 4, 3]];

    /// <summary>
    /// For each 8-bit ring mask, what the foreground sweep needs when the centre pixel joins, in one load: bits 0-14 the runs
    /// of set bits (<see cref="BuildRunTable"/>), bits 16-23 how twice a hole-free component's outer <c>contourArea</c>
    /// grows (<see cref="BuildTwiceAreaDelta"/>), bits 24-31 (signed) how the Euler number changes
    /// (<see cref="BuildEulerDelta"/>).
    /// </summary>
    private static readonly int[] RingTable = BuildRingTable();

    private static int[] BuildRingTable()
    {
        var runs = BuildRunTable();
        var area = BuildTwiceAreaDelta();
        var euler = BuildEulerDelta();
        var table = new int[256];
        for (int mask = 0; mask < 256; mask++)
        {
            table[mask] = runs[mask] | area[mask] << 16 | euler[mask] << 24;
        }
        return table;
    }

    /// <summary>
    /// For each 8-bit ring mask, how the Euler number (8-connected foreground, 4-connected background) changes when the
    /// centre pixel joins the foreground, from the four 2x2 windows holding it (Gray's bit quads; filling the centre of the
    /// diamond N, E, S, W closes a hole: +1).
    /// </summary>
    private static sbyte[] BuildEulerDelta()
    {
        // Gray's bit quads: 4 E = Q1 - Q3 - 2 QD over all 2x2 windows; only the four windows holding the centre change.
        var table = new sbyte[256];
        for (int mask = 0; mask < 256; mask++)
        {
            int change = 0;
            foreach (var w in Windows)
            {
                change += Quad(w, mask, centre: true) - Quad(w, mask, centre: false);
            }
            table[mask] = (sbyte)(change / 4);
        }
        return table;
    }

    /// <summary>
    /// For each 8-bit ring mask, how twice a component's outer <c>contourArea</c> changes when the centre pixel joins it,
    /// for a component without holes (see <see cref="Root.TwiceArea"/>).
    /// </summary>
    private static sbyte[] BuildTwiceAreaDelta()
    {
        // The outer contour runs through pixel centres: a 2x2 window of centres it encloses whole when all four pixels are
        // set, half of it (a triangle) when three are, nothing otherwise (an edge, a diagonal, a point).
        static int Twice(int count) => count == 4 ? 2 : count == 3 ? 1 : 0;
        var table = new sbyte[256];
        for (int mask = 0; mask < 256; mask++)
        {
            int change = 0;
            foreach (var w in Windows)
            {
                int ring = w.Count(i => i >= 0 && (mask >> i & 1) != 0);
                change += Twice(ring + 1) - Twice(ring);
            }
            table[mask] = (sbyte)change;
        }
        return table;
    }

    private static int Quad(int[] window, int mask, bool centre)
    {
        bool On(int i) => window[i] < 0 ? centre : (mask >> window[i] & 1) != 0;
        int count = (On(0) ? 1 : 0) + (On(1) ? 1 : 0) + (On(2) ? 1 : 0) + (On(3) ? 1 : 0);
        bool diagonal = count == 2 && On(0) == On(3);
        return count == 1 ? 1 : count == 3 ? -1 : diagonal ? -2 : 0;
    }

    /// <summary>
    /// For each 8-bit ring mask, the runs of set bits (the ring wraps around): bits 0-2 the count (at most 4), then the
    /// first position of each run in 3 bits.
    /// </summary>
    private static int[] BuildRunTable()
    {
        var table = new int[256];
        for (int mask = 0; mask < 256; mask++)
        {
            var starts = new List<byte>();
            if (mask == 255)
            {
                starts.Add(0);
            }
            else
            {
                for (int i = 0; i < 8; i++)
                {
                    bool set = (mask >> i & 1) != 0;
                    bool previous = (mask >> ((i + 7) & 7) & 1) != 0;
                    if (set && !previous)
                    {
                        starts.Add((byte)i);
                    }
                }
            }
            int packed = starts.Count;
            for (int i = 0; i < starts.Count; i++)
            {
                packed |= starts[i] << (3 + 3 * i);
            }
            table[mask] = packed;
        }
        return table;
    }

    private struct Root
    {
        public int MinIdx;
        public int Size;
        public short X0, Y0, X1, Y1;
        public bool Outside;
        public int LivePos;

        /// <summary>
        /// Foreground only: twice the <c>contourArea</c> of the component's outer contour while it has no hole, the count of
        /// 2x2 windows of pixel centres it covers whole (twice) or by three pixels (once). Every window holding a foreground
        /// pixel belongs to one component (its pixels are 8-adjacent), so the counts of joined components add up.
        /// </summary>
        public int TwiceArea;

        /// <summary>Foreground only: the component's Euler number (1 minus its holes), from the same windows.</summary>
        public int Euler;
    }

    public ContourSweep(int size)
    {
        if (size < 1 || size > 8192)
        {
            throw new ArgumentOutOfRangeException(nameof(size));
        }
        _size = size;
        _n = size * size;
        _stride = size + 2;
        int padded = _stride * _stride;
        // Vector loads read up to a vector past a row: the arrays carry that much slack.
        _padded = new byte[padded + Slack];
        _paddedBackground = new byte[padded + Slack];
        Array.Fill(_paddedBackground, (byte)255);
        _foregroundMasks = new byte[padded + Slack];
        _backgroundMasks = new byte[padded + Slack];
        _borderBits = new byte[padded + Slack];
        for (int y = 1; y <= size; y++)
        {
            for (int x = 1; x <= size; x++)
            {
                if (x == 1 || y == 1 || x == size || y == size) _borderBits[y * _stride + x] = BorderBit;
            }
        }
        _order = new int[_n];
        _parent = new int[padded];
        _live = new int[256];
        // Row of a padded index by a multiply and a shift: exact for every index of the grid (checked here once).
        _rowMagic = (1UL << 40) / (ulong)_stride + 1;
        for (int p = 0; p < padded; p++)
        {
            if (RowOf(p) != p / _stride)
            {
                throw new InvalidOperationException($"Row division is not exact for stride {_stride}.");
            }
        }
        int s = _stride;
        // In ring order (N, NE, E, SE, S, SW, W, NW): consecutive entries are 8-adjacent to each other.
        _neighbours8 = [-s, -s + 1, 1, s + 1, s, s - 1, -1, -s - 1];
        _tracer = new ContourTracer(_stride);
    }

    public int Size => _size;

    /// <summary>
    /// Finds the boxes of <paramref name="q"/> (size x size, row-major) for each level of
    /// <paramref name="levels"/> (distinct, ascending, each the integer threshold <c>(int)(t * max(q))</c>).
    /// </summary>
    public void Run(ReadOnlySpan<byte> q, ReadOnlySpan<int> levels, SweepResult result)
    {
        if (q.Length != _n)
        {
            throw new ArgumentException($"Map has {q.Length} pixels, expected {_n}.", nameof(q));
        }
        for (int i = 1; i < levels.Length; i++)
        {
            if (levels[i] <= levels[i - 1])
            {
                throw new ArgumentException("Levels must be distinct and ascending.", nameof(levels));
            }
        }
        result.Reset(levels);
        for (int y = 0; y < _size; y++)
        {
            q.Slice(y * _size, _size).CopyTo(_padded.AsSpan((y + 1) * _stride + 1, _size));
            q.Slice(y * _size, _size).CopyTo(_paddedBackground.AsSpan((y + 1) * _stride + 1, _size));
        }
        if (_holeCounts.Length < levels.Length)
        {
            _holeCounts = new int[levels.Length];
        }
        BucketSort();
        NeighbourMasks();
        SweepForeground(levels, result);
        SweepBackground(levels, result);
    }

    /// <summary>
    /// For every pixel at once (raster order, a vector of pixels at a time): which neighbours the sweeps will have joined
    /// before it. Foreground, in ring order N, NE, E, SE, S, SW, W, NW: a neighbour above or to the left (earlier in raster
    /// order) when its value is at least the pixel's, one below or to the right when greater. Background, left, up, right,
    /// down: earlier when at most the pixel's value, later when smaller; the padding (255 in that copy) never is.
    /// </summary>
    private void NeighbourMasks()
    {
        int s = _stride;
        ref byte fg = ref _padded[0];
        ref byte bg = ref _paddedBackground[0];
        ref byte border = ref _borderBits[0];
        ref byte fgOut = ref _foregroundMasks[0];
        ref byte bgOut = ref _backgroundMasks[0];
        for (int y = 1; y <= _size; y++)
        {
            for (int x = 1; x <= _size; x += Vector256<byte>.Count)
            {
                nuint p = (nuint)(y * s + x);
                var v = Vector256.LoadUnsafe(ref fg, p);
                var m = AtLeast(Vector256.LoadUnsafe(ref fg, p - (nuint)s), v, 1)
                    | AtLeast(Vector256.LoadUnsafe(ref fg, p - (nuint)s + 1), v, 2)
                    | Greater(Vector256.LoadUnsafe(ref fg, p + 1), v, 4)
                    | Greater(Vector256.LoadUnsafe(ref fg, p + (nuint)s + 1), v, 8)
                    | Greater(Vector256.LoadUnsafe(ref fg, p + (nuint)s), v, 16)
                    | Greater(Vector256.LoadUnsafe(ref fg, p + (nuint)s - 1), v, 32)
                    | AtLeast(Vector256.LoadUnsafe(ref fg, p - 1), v, 64)
                    | AtLeast(Vector256.LoadUnsafe(ref fg, p - (nuint)s - 1), v, 128);
                m.StoreUnsafe(ref fgOut, p);
                var b = Vector256.LoadUnsafe(ref bg, p);
                var n = AtMost(Vector256.LoadUnsafe(ref bg, p - 1), b, 1)
                    | AtMost(Vector256.LoadUnsafe(ref bg, p - (nuint)s), b, 2)
                    | Greater(b, Vector256.LoadUnsafe(ref bg, p + 1), 4)
                    | Greater(b, Vector256.LoadUnsafe(ref bg, p + (nuint)s), 8)
                    | Vector256.LoadUnsafe(ref border, p);
                n.StoreUnsafe(ref bgOut, p);
            }
        }
    }

    /// <summary><paramref name="bit"/> where <paramref name="a"/> &gt;= <paramref name="b"/> (unsigned bytes).</summary>
    private static Vector256<byte> AtLeast(Vector256<byte> a, Vector256<byte> b, byte bit) => ~Vector256.GreaterThan(b, a) & Vector256.Create(bit);

    private static Vector256<byte> AtMost(Vector256<byte> a, Vector256<byte> b, byte bit) => ~Vector256.GreaterThan(a, b) & Vector256.Create(bit);

    private static Vector256<byte> Greater(Vector256<byte> a, Vector256<byte> b, byte bit) => Vector256.GreaterThan(a, b) & Vector256.Create(bit);

    /// <summary>
    /// Pixels grouped by value, in raster order within a value (a stable counting sort of the padded copy). The rows are
    /// cut into four bands counted and placed side by side: neighbouring pixels of a smooth map share values, and with
    /// one running position per value each store would wait for the one before.
    /// </summary>
    private void BucketSort()
    {
        int rows = (_size + SortBands - 1) / SortBands;
        // Every band has this many rows; the first bands may have more.
        int common = Math.Max(0, _size - (SortBands - 1) * rows);
        Span<int> next = stackalloc int[256 * SortBands];
        next.Clear();
        CountBands(rows, common, next);
        int acc = 0;
        for (int v = 0; v < 256; v++)
        {
            _bucketStart[v] = acc;
            for (int band = 0; band < SortBands; band++)
            {
                int count = next[band * 256 + v];
                next[band * 256 + v] = acc;
                acc += count;
            }
        }
        _bucketStart[256] = acc;
        PlaceBands(rows, common, next);
    }

    private void CountBands(int rows, int common, Span<int> counts)
    {
        var padded = _padded;
        for (int r = 0; r < common; r++)
        {
            int b0 = (r + 1) * _stride + 1, b1 = b0 + rows * _stride, b2 = b1 + rows * _stride, b3 = b2 + rows * _stride;
            for (int x = 0; x < _size; x++)
            {
                counts[padded[b0 + x]]++;
                counts[256 + padded[b1 + x]]++;
                counts[512 + padded[b2 + x]]++;
                counts[768 + padded[b3 + x]]++;
            }
        }
        for (int band = 0; band < SortBands; band++)
        {
            for (int r = common; r < rows && band * rows + r < _size; r++)
            {
                int b = (band * rows + r + 1) * _stride + 1;
                for (int x = 0; x < _size; x++)
                {
                    counts[band * 256 + padded[b + x]]++;
                }
            }
        }
    }

    private void PlaceBands(int rows, int common, Span<int> next)
    {
        var padded = _padded;
        var order = _order;
        for (int r = 0; r < common; r++)
        {
            int b0 = (r + 1) * _stride + 1, b1 = b0 + rows * _stride, b2 = b1 + rows * _stride, b3 = b2 + rows * _stride;
            for (int x = 0; x < _size; x++)
            {
                order[next[padded[b0 + x]]++] = b0 + x;
                order[next[256 + padded[b1 + x]]++] = b1 + x;
                order[next[512 + padded[b2 + x]]++] = b2 + x;
                order[next[768 + padded[b3 + x]]++] = b3 + x;
            }
        }
        for (int band = 0; band < SortBands; band++)
        {
            for (int r = common; r < rows && band * rows + r < _size; r++)
            {
                int b = (band * rows + r + 1) * _stride + 1;
                for (int x = 0; x < _size; x++)
                {
                    order[next[band * 256 + padded[b + x]]++] = b + x;
                }
            }
        }
    }

    // ---- foreground: 8-connected components of q > level, level sweeping down ----
    private void SweepForeground(ReadOnlySpan<int> levels, SweepResult result)
    {
        _liveCount = 0;
        _recCount = 0;
        int li = levels.Length - 1;
        // Levels >= 255 see an empty mask.
        while (li >= 0 && levels[li] >= 255)
        {
            result.SetLargest(li, Box.None);
            _holeCounts[li] = 0;
            li--;
        }
        int euler = 0;
        for (int v = 255; v >= 1 && li >= 0; v--)
        {
            euler += JoinForeground(_bucketStart[v], _bucketStart[v + 1]);
            while (li >= 0 && levels[li] == v - 1)
            {
                SnapshotForeground(li, v - 1, result);
                // Euler number = components - holes, for an 8-connected foreground and a 4-connected background.
                _holeCounts[li] = _liveCount - euler;
                li--;
            }
        }
    }

    /// <summary>
    /// Joins the pixels <c>order[from..to)</c> (one value, in raster order) to the foreground; returns how much the Euler
    /// number changed. Within a value the order is raster order, so an equal neighbour is joined already when it comes first.
    /// </summary>
    private int JoinForeground(int from, int to)
    {
        var order = _order;
        var masks = _foregroundMasks;
        var ring = RingTable;
        var n8 = _neighbours8;
        int euler = 0;
        for (int k = from; k < to; k++)
        {
            int p = order[k];
            // Ring mask of neighbours already joined: a higher value, or an equal value earlier in raster order
            // (the neighbours above and to the left), computed for all pixels by NeighbourMasks.
            int info = ring[masks[p]];
            euler += info >> 24;
            // Consecutive ring neighbours touch each other, so each run of them is one component already.
            int runs = info & 7;
            if (runs == 0)
            {
                MakeRoot(p, outside: false);
                continue;
            }
            int root = Find(p + n8[(info >> 3) & 7]);
            if (runs > 1)
            {
                root = JoinRuns(p, info, root);
            }
            ref var joined = ref Attach(p, root);
            joined.Euler += info >> 24;
            joined.TwiceArea += (info >> 16) & 0xFF;
        }
        return euler;
    }

    /// <summary>Unites the components of the second and later runs of <paramref name="p"/>'s ring with <paramref name="root"/>'s.</summary>
    private int JoinRuns(int p, int info, int root)
    {
        int runs = info & 7;
        for (int i = 1; i < runs; i++)
        {
            root = UnionRoots(root, Find(p + _neighbours8[(info >> (3 + 3 * i)) & 7]));
        }
        return root;
    }

    private void SnapshotForeground(int li, int level, SweepResult result)
    {
        int count = _liveCount;
        if (count == 0)
        {
            result.SetLargest(li, Box.None);
            return;
        }
        var roots = _recs;
        for (int k = 0; k < count; k++)
        {
            result.AddOuter(li, BoxOf(in roots[_live[k]]));
        }
        // The only contour is the largest, whatever its area.
        int best = count == 1 ? _live[0] : LargestOuter(level);
        result.SetLargest(li, BoxOf(in roots[best]));
    }

    private Box BoxOf(in Root root)
    {
        int last = _size - 1;
        return new Box(root.X0, root.Y0, Math.Min(root.X1 + 1, last), Math.Min(root.Y1 + 1, last));
    }

    /// <summary>
    /// The live component whose outer contour has the largest <c>contourArea</c>. A component without holes knows its area
    /// (<see cref="Root.TwiceArea"/>); one with holes encloses them too, so its contour is traced, unless its bounding box
    /// (which no polygon through its pixel centres can exceed) is already smaller than the best area.
    /// </summary>
    private int LargestOuter(int level)
    {
        var roots = _recs;
        int best = -1;
        long bestTwice = -1;
        for (int k = 0; k < _liveCount; k++)
        {
            int r = _live[k];
            if (roots[r].Euler == 1 && IsLarger(roots[r].TwiceArea, r, bestTwice, best))
            {
                (best, bestTwice) = (r, roots[r].TwiceArea);
            }
        }
        for (int k = 0; k < _liveCount; k++)
        {
            int r = _live[k];
            ref var root = ref roots[r];
            long bound = 2L * (root.X1 - root.X0) * (root.Y1 - root.Y0);
            if (root.Euler == 1 || bound < bestTwice)
            {
                continue;
            }
            var trace = _tracer.Follow(_padded, level, root.MinIdx, XOf(root.MinIdx), YOf(root.MinIdx), hole: false);
            if (IsLarger(trace.TwiceArea, r, bestTwice, best))
            {
                (best, bestTwice) = (r, trace.TwiceArea);
            }
        }
        return best;
    }

    /// <summary>
    /// Ties go to the contour OpenCV lists first: top-level contours come out in reverse order of discovery (raster order
    /// of their first pixel).
    /// </summary>
    private bool IsLarger(long twiceArea, int r, long bestTwice, int best) =>
        twiceArea > bestTwice || (twiceArea == bestTwice && _recs[r].MinIdx > _recs[best].MinIdx);

    // ---- background: 4-connected components of q <= level, level sweeping up ----
    private void SweepBackground(ReadOnlySpan<int> levels, SweepResult result)
    {
        _liveCount = 0;
        _recCount = 0;
        int li = 0;
        // Above the highest level with a hole there is nothing to find: the sweep stops there.
        int maxLevel = -1;
        for (int i = levels.Length - 1; i >= 0; i--)
        {
            if (_holeCounts[i] > 0)
            {
                maxLevel = levels[i];
                break;
            }
        }
        int s = _stride;
        Span<int> n4 = [-1, -s, 1, s];
        for (int v = 0; v <= 255 && v <= maxLevel; v++)
        {
            JoinBackground(_bucketStart[v], _bucketStart[v + 1], n4);
            while (li < levels.Length && levels[li] == v)
            {
                if (_holeCounts[li] > 0)
                {
                    SnapshotHoles(li, result);
                }
                li++;
            }
        }
    }

    /// <summary>
    /// Joins the pixels <c>order[from..to)</c> (one value, in raster order) to the background. A component that reaches the
    /// border is never reported, so which of them a pixel joins does not matter: a pixel on the border or next to a marked
    /// one is outside and is marked in its own mask (<see cref="OutsideBit"/>), with no parent, record or find of its own;
    /// the components of its unmarked neighbours are flagged outside (their records stay, skipped by the snapshots).
    /// </summary>
    private void JoinBackground(int from, int to, ReadOnlySpan<int> n4)
    {
        var order = _order;
        var masks = _backgroundMasks;
        int s = _stride;
        for (int k = from; k < to; k++)
        {
            // A background neighbour is joined when its value is < v, or == v and it came first (raster order);
            // this copy's padding is 255, never background (levels stay below 255). See NeighbourMasks.
            int p = order[k];
            int bits = masks[p];
            int present = bits & 15;
            // The neighbours (left, up, right, down) already outside, as the same four bits.
            int outside = (masks[p - 1] >> 5 & 1) | (masks[p - s] >> 4 & 2) | (masks[p + 1] >> 3 & 4) | (masks[p + s] >> 2 & 8);
            int inside = present & ~outside;
            if (bits >= BorderBit || inside != present)
            {
                // The pixel reaches the outside: so do the components of its other neighbours.
                for (; inside != 0; inside &= inside - 1)
                {
                    _recs[~_parent[Find(p + n4[BitOperations.TrailingZeroCount(inside)])]].Outside = true;
                }
                masks[p] = (byte)(bits | OutsideBit);
            }
            else if (present == 0)
            {
                MakeRoot(p, outside: false);
            }
            else if (JoinInside(p, present, n4))
            {
                masks[p] = (byte)(bits | OutsideBit);
            }
        }
    }

    /// <summary>
    /// Joins <paramref name="p"/>, none of whose neighbours is marked outside, to its neighbours' components; true when the
    /// joined component reaches the outside (through a neighbour joined to it before it was marked).
    /// </summary>
    private bool JoinInside(int p, int present, ReadOnlySpan<int> n4)
    {
        int root = Find(p + n4[BitOperations.TrailingZeroCount(present)]);
        for (int rest = present & (present - 1); rest != 0; rest &= rest - 1)
        {
            root = UnionRoots(root, Find(p + n4[BitOperations.TrailingZeroCount(rest)]));
        }
        return Attach(p, root).Outside;
    }

    private void SnapshotHoles(int li, SweepResult result)
    {
        int last = _size - 1;
        for (int k = 0; k < _liveCount; k++)
        {
            ref var r = ref _recs[_live[k]];
            if (r.Outside)
            {
                continue;
            }
            // The hole contour passes through the foreground pixels around the hole.
            int minX = r.X0 - 1, minY = r.Y0 - 1, maxX = r.X1 + 1, maxY = r.Y1 + 1;
            result.AddHole(li, new Box(minX, minY, Math.Min(maxX + 1, last), Math.Min(maxY + 1, last)));
        }
    }

    // ---- union-find over padded indices: a root holds ~(its record's index) instead of a parent ----
    private int RowOf(int p) => (int)((ulong)(uint)p * _rowMagic >> 40);

    /// <summary>Image column of padded index <paramref name="p"/> (interior pixels only).</summary>
    private int XOf(int p) => p - RowOf(p) * _stride - 1;

    private int YOf(int p) => RowOf(p) - 1;

    private void MakeRoot(int p, bool outside)
    {
        if (_recCount == _recs.Length)
        {
            Array.Resize(ref _recs, _recs.Length * 2);
        }
        if (_liveCount == _live.Length)
        {
            Array.Resize(ref _live, _live.Length * 2);
        }
        int id = _recCount++;
        _parent[p] = ~id;
        int row = RowOf(p);
        short x = (short)(p - row * _stride - 1), y = (short)(row - 1);
        _recs[id] = new Root { MinIdx = p, Size = 1, X0 = x, X1 = x, Y0 = y, Y1 = y, Outside = outside, LivePos = _liveCount, Euler = 1 };
        _live[_liveCount++] = id;
    }

    /// <summary>Adds pixel <paramref name="p"/> to the component rooted at <paramref name="root"/>.</summary>
    private ref Root Attach(int p, int root)
    {
        ref var r = ref _recs[~_parent[root]];
        _parent[p] = root;
        int row = RowOf(p);
        short x = (short)(p - row * _stride - 1), y = (short)(row - 1);
        if (p < r.MinIdx) r.MinIdx = p;
        if (x < r.X0) r.X0 = x;
        if (x > r.X1) r.X1 = x;
        if (y < r.Y0) r.Y0 = y;
        if (y > r.Y1) r.Y1 = y;
        r.Size++;
        return ref r;
    }

    private int Find(int p)
    {
        var parent = _parent;
        while (true)
        {
            int q = parent[p];
            if (q < 0) return p;
            int g = parent[q];
            if (g < 0) return q;
            parent[p] = g;
            p = g;
        }
    }

    /// <summary>Joins two components given by their roots; returns the root that stays.</summary>
    private int UnionRoots(int ra, int rb)
    {
        if (ra == rb)
        {
            return ra;
        }
        // Union by size keeps the trees flat; the first pixel in raster order is kept as data.
        int ia = ~_parent[ra], ib = ~_parent[rb];
        if (_recs[ib].Size > _recs[ia].Size)
        {
            (ra, rb) = (rb, ra);
            (ia, ib) = (ib, ia);
        }
        _parent[rb] = ra;
        ref var A = ref _recs[ia];
        ref readonly var B = ref _recs[ib];
        A.Size += B.Size;
        if (B.MinIdx < A.MinIdx) A.MinIdx = B.MinIdx;
        if (B.X0 < A.X0) A.X0 = B.X0;
        if (B.Y0 < A.Y0) A.Y0 = B.Y0;
        if (B.X1 > A.X1) A.X1 = B.X1;
        if (B.Y1 > A.Y1) A.Y1 = B.Y1;
        A.Outside |= B.Outside;
        A.TwiceArea += B.TwiceArea;
        A.Euler += B.Euler;
        // Remove B from the live list.
        int pos = B.LivePos;
        int lastId = _live[--_liveCount];
        _live[pos] = lastId;
        _recs[lastId].LivePos = pos;
        return ra;
    }
}
