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
/// thresholds. Only the candidates for the largest contour are traced, to measure <c>contourArea</c>, and none when a
/// level has one contour. The foreground sweep also counts each level's holes from the Euler number (Gray's bit quads,
/// updated pixel by pixel), so the background sweep stops at the highest level that has one.
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

    /// <summary>Per pixel, the ring mask of foreground neighbours joined before it (see <see cref="NeighbourMasks"/>).</summary>
    private readonly byte[] _foregroundMasks;

    /// <summary>Per pixel, the background neighbours (left, up, right, down) joined before it, and <see cref="BorderBit"/>.</summary>
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
    private long[] _boundKeys = new long[64];

    /// <summary>Per level, how many holes the foreground has (components minus its Euler number): the background sweep stops above the last.</summary>
    private int[] _holeCounts = [];
    private int[] _boundRoots = new int[64];

    /// <summary>
    /// For each 8-bit ring mask, the runs of set bits (the ring wraps around): bits 0-2 the count (at most 4), then the
    /// first position of each run in 3 bits.
    /// </summary>
    private static readonly int[] RunTable = BuildRunTable();

    /// <summary>
    /// For each 8-bit ring mask, how the Euler number (8-connected foreground, 4-connected background) changes when the
    /// centre pixel joins the foreground: 1 minus the number of 8-connected groups the set ring pixels form.
    /// </summary>
    private static readonly sbyte[] EulerDelta = BuildEulerDelta();

    private static sbyte[] BuildEulerDelta()
    {
        // Gray's bit quads: 4 E = Q1 - Q3 - 2 QD over all 2x2 windows; only the four windows holding the centre change.
        // Ring bits: N 0, NE 1, E 2, SE 3, S 4, SW 5, W 6, NW 7; -1 is the centre. Each window lists its pixels in the order
        // top-left, top-right, bottom-left, bottom-right.
        int[][] windows = [[7, 0, 6, -1], [0, 1, -1, 2], [6, -1, 5, 4], [-1, 2, 4, 3]];
        var table = new sbyte[256];
        for (int mask = 0; mask < 256; mask++)
        {
            int change = 0;
            foreach (var w in windows)
            {
                change += Quad(w, mask, centre: true) - Quad(w, mask, centre: false);
            }
            table[mask] = (sbyte)(change / 4);
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
        BucketSort(q);
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

    private void BucketSort(ReadOnlySpan<byte> q)
    {
        Span<int> counts = stackalloc int[256];
        counts.Clear();
        foreach (var v in q)
        {
            counts[v]++;
        }
        int acc = 0;
        for (int v = 0; v < 256; v++)
        {
            _bucketStart[v] = acc;
            acc += counts[v];
        }
        _bucketStart[256] = acc;
        Span<int> fill = stackalloc int[256];
        for (int v = 0; v < 256; v++)
        {
            fill[v] = _bucketStart[v];
        }
        var padded = _padded;
        var order = _order;
        int stride = _stride;
        for (int y = 0; y < _size; y++)
        {
            int row = (y + 1) * stride + 1;
            for (int x = 0; x < _size; x++)
            {
                int p = row + x;
                order[fill[padded[p]]++] = p;
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
        var padded = _padded;
        var masks = _foregroundMasks;
        var order = _order;
        var n8 = _neighbours8;
        int s = _stride;
        int euler = 0;
        for (int v = 255; v >= 1 && li >= 0; v--)
        {
            int from = _bucketStart[v], to = _bucketStart[v + 1];
            for (int k = from; k < to; k++)
            {
                // Within a level the order is raster order, so an equal neighbour is joined already when it comes first.
                int p = order[k];
                // Ring mask of neighbours already joined: a higher value, or an equal value earlier in raster order
                // (the neighbours above and to the left), computed for all pixels by NeighbourMasks.
                int mask = masks[p];
                // Consecutive ring neighbours touch each other, so each run of them is one component already.
                euler += EulerDelta[mask];
                int runs = RunTable[mask];
                int count = runs & 7;
                if (count == 0)
                {
                    MakeRoot(p, outside: false);
                }
                else
                {
                    int root = Find(p + n8[(runs >> 3) & 7]);
                    Attach(p, root);
                    for (int i = 1; i < count; i++)
                    {
                        root = UnionRoots(root, Find(p + n8[(runs >> (3 + 3 * i)) & 7]));
                    }
                }
            }
            while (li >= 0 && levels[li] == v - 1)
            {
                SnapshotForeground(li, v - 1, result);
                // Euler number = components - holes, for an 8-connected foreground and a 4-connected background.
                _holeCounts[li] = _liveCount - euler;
                li--;
            }
        }
    }

    private void SnapshotForeground(int li, int level, SweepResult result)
    {
        int count = _liveCount;
        if (count == 0)
        {
            result.SetLargest(li, Box.None);
            return;
        }
        if (_boundKeys.Length < count)
        {
            _boundKeys = new long[count * 2];
            _boundRoots = new int[count * 2];
        }
        int last = _size - 1;
        var roots = _recs;
        for (int k = 0; k < count; k++)
        {
            int r = _live[k];
            ref var root = ref roots[r];
            result.AddOuter(li, new Box(root.X0, root.Y0, Math.Min(root.X1 + 1, last), Math.Min(root.Y1 + 1, last)));
            // contourArea of a polygon through pixel centres cannot exceed its bounding box's area.
            long bound = (long)(root.X1 - root.X0) * (root.Y1 - root.Y0);
            _boundKeys[k] = -bound;
            _boundRoots[k] = r;
        }
        if (count == 1)
        {
            // The only contour is the largest, whatever its area.
            ref var only = ref roots[_live[0]];
            result.SetLargest(li, new Box(only.X0, only.Y0, Math.Min(only.X1 + 1, last), Math.Min(only.Y1 + 1, last)));
            return;
        }
        Array.Sort(_boundKeys, _boundRoots, 0, count);

        double bestArea = -1;
        int bestRoot = -1;
        for (int k = 0; k < count; k++)
        {
            long bound = -_boundKeys[k];
            if (bound < bestArea)
            {
                break;
            }
            int r = _boundRoots[k];
            int start = roots[r].MinIdx;
            var trace = _tracer.Follow(_padded, level, start, XOf(start), YOf(start), hole: false);
            // Ties go to the contour OpenCV lists first: top-level contours come out in reverse order of
            // discovery (raster order of their first pixel).
            if (trace.Area > bestArea || (trace.Area == bestArea && start > roots[bestRoot].MinIdx))
            {
                bestArea = trace.Area;
                bestRoot = r;
            }
        }
        ref var best = ref roots[bestRoot];
        result.SetLargest(li, new Box(best.X0, best.Y0, Math.Min(best.X1 + 1, last), Math.Min(best.Y1 + 1, last)));
    }

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
        var masks = _backgroundMasks;
        int s = _stride;
        Span<int> n4 = [-1, -s, 1, s];
        for (int v = 0; v <= 255 && v <= maxLevel; v++)
        {
            int from = _bucketStart[v], to = _bucketStart[v + 1];
            for (int k = from; k < to; k++)
            {
                // A background neighbour is joined when its value is < v, or == v and it came first (raster order);
                // this copy's padding is 255, never background (levels stay below 255). See NeighbourMasks.
                int p = _order[k];
                int bits = masks[p];
                int present = bits & 15;
                bool border = bits >= BorderBit;
                if (present == 0)
                {
                    MakeRoot(p, border);
                    continue;
                }
                int first = System.Numerics.BitOperations.TrailingZeroCount(present);
                int root = Find(p + n4[first]);
                ref var rec = ref _recs[~_parent[root]];
                if (rec.Outside)
                {
                    // A component that reaches the border is never reported: only its membership matters.
                    _parent[p] = root;
                    rec.Size++;
                }
                else
                {
                    Attach(p, root);
                    rec.Outside = border;
                }
                for (int rest = present & (present - 1); rest != 0; rest &= rest - 1)
                {
                    Union(p, p + n4[System.Numerics.BitOperations.TrailingZeroCount(rest)]);
                }
            }
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
        _recs[id] = new Root { MinIdx = p, Size = 1, X0 = x, X1 = x, Y0 = y, Y1 = y, Outside = outside, LivePos = _liveCount };
        _live[_liveCount++] = id;
    }

    /// <summary>Adds pixel <paramref name="p"/> to the component rooted at <paramref name="root"/>.</summary>
    private void Attach(int p, int root)
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

    private void Union(int a, int b) => UnionRoots(Find(a), Find(b));

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
        // Remove B from the live list.
        int pos = B.LivePos;
        int lastId = _live[--_liveCount];
        _live[pos] = lastId;
        _recs[lastId].LivePos = pos;
        return ra;
    }
}
