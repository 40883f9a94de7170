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
/// thresholds. Only the candidates for the largest contour are traced, to measure <c>contourArea</c>.
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
    private readonly int[] _order;
    private readonly int[] _bucketStart = new int[257];
    private readonly int[] _parent;
    private readonly Root[] _roots;
    private readonly ushort[] _xOf, _yOf;
    private readonly int[] _livePos;
    private readonly int[] _neighbours8;
    private int[] _live;
    private int _liveCount;
    private readonly ContourTracer _tracer;
    private long[] _boundKeys = new long[64];
    private int[] _boundRoots = new int[64];

    /// <summary>For each 8-bit ring mask, the first position of every run of set bits (the ring wraps around).</summary>
    private static readonly byte[][] RunStarts = BuildRunStarts();

    private static byte[][] BuildRunStarts()
    {
        var table = new byte[256][];
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
            table[mask] = starts.ToArray();
        }
        return table;
    }

    private struct Root
    {
        public int MinIdx;
        public int Size;
        public short X0, Y0, X1, Y1;
        public bool Outside;
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
        _padded = new byte[padded];
        _paddedBackground = new byte[padded];
        Array.Fill(_paddedBackground, (byte)255);
        _order = new int[_n];
        _parent = new int[padded];
        _roots = new Root[padded];
        _livePos = new int[padded];
        _live = new int[256];
        _xOf = new ushort[padded];
        _yOf = new ushort[padded];
        for (int y = 0; y < _stride; y++)
        {
            for (int x = 0; x < _stride; x++)
            {
                _xOf[y * _stride + x] = (ushort)Math.Max(0, x - 1);
                _yOf[y * _stride + x] = (ushort)Math.Max(0, y - 1);
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
        BucketSort(q);
        SweepForeground(levels, result);
        SweepBackground(levels, result);
    }

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
        int li = levels.Length - 1;
        // Levels >= 255 see an empty mask.
        while (li >= 0 && levels[li] >= 255)
        {
            result.SetLargest(li, Box.None);
            li--;
        }
        var padded = _padded;
        var order = _order;
        var n8 = _neighbours8;
        for (int v = 255; v >= 1 && li >= 0; v--)
        {
            int from = _bucketStart[v], to = _bucketStart[v + 1];
            for (int k = from; k < to; k++)
            {
                // Within a level the order is raster order, so an equal neighbour is joined already when it comes first.
                int p = order[k];
                int mask = 0;
                for (int d = 0; d < 8; d++)
                {
                    int nb = p + n8[d];
                    int value = padded[nb];
                    if (value > v || (value == v && nb < p))
                    {
                        mask |= 1 << d;
                    }
                }
                // Consecutive ring neighbours touch each other, so each run of them is one component already.
                var starts = RunStarts[mask];
                if (starts.Length == 0)
                {
                    MakeRoot(p, outside: false);
                }
                else
                {
                    Attach(p, Find(p + n8[starts[0]]));
                    for (int i = 1; i < starts.Length; i++)
                    {
                        Union(p, p + n8[starts[i]]);
                    }
                }
            }
            while (li >= 0 && levels[li] == v - 1)
            {
                SnapshotForeground(li, v - 1, result);
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
        var roots = _roots;
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
        if (count > 1)
        {
            Array.Sort(_boundKeys, _boundRoots, 0, count);
        }

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
            var trace = _tracer.Follow(_padded, level, start, _xOf[start], _yOf[start], hole: false);
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
        int li = 0;
        int maxLevel = levels.Length == 0 ? -1 : levels[^1];
        var bg = _paddedBackground;
        int s = _stride;
        int last = _size - 1;
        for (int v = 0; v <= 255 && v <= maxLevel; v++)
        {
            int from = _bucketStart[v], to = _bucketStart[v + 1];
            for (int k = from; k < to; k++)
            {
                // A background neighbour is joined when its value is < v, or == v and it came first (raster order).
                // This copy's padding is 255, never background (levels stay below 255).
                int p = _order[k];
                int l = bg[p - 1] <= v ? p - 1 : -1;
                int u = bg[p - s] <= v ? p - s : -1;
                int r = bg[p + 1] < v ? p + 1 : -1;
                int d = bg[p + s] < v ? p + s : -1;
                int first = l >= 0 ? l : u >= 0 ? u : r >= 0 ? r : d;
                if (first < 0)
                {
                    int x = _xOf[p], y = _yOf[p];
                    MakeRoot(p, x == 0 || y == 0 || x == last || y == last);
                    continue;
                }
                Attach(p, Find(first));
                int xx = _xOf[p], yy = _yOf[p];
                if (xx == 0 || yy == 0 || xx == last || yy == last)
                {
                    _roots[Find(p)].Outside = true;
                }
                if (u >= 0 && u != first) Union(p, u);
                if (r >= 0 && r != first) Union(p, r);
                if (d >= 0 && d != first) Union(p, d);
            }
            while (li < levels.Length && levels[li] == v)
            {
                SnapshotHoles(li, result);
                li++;
            }
        }
    }

    private void SnapshotHoles(int li, SweepResult result)
    {
        int last = _size - 1;
        for (int k = 0; k < _liveCount; k++)
        {
            ref var r = ref _roots[_live[k]];
            if (r.Outside)
            {
                continue;
            }
            // The hole contour passes through the foreground pixels around the hole.
            int minX = r.X0 - 1, minY = r.Y0 - 1, maxX = r.X1 + 1, maxY = r.Y1 + 1;
            result.AddHole(li, new Box(minX, minY, Math.Min(maxX + 1, last), Math.Min(maxY + 1, last)));
        }
    }

    // ---- union-find over padded indices ----
    private void MakeRoot(int p, bool outside)
    {
        _parent[p] = p;
        short x = (short)_xOf[p], y = (short)_yOf[p];
        _roots[p] = new Root { MinIdx = p, Size = 1, X0 = x, X1 = x, Y0 = y, Y1 = y, Outside = outside };
        if (_liveCount == _live.Length)
        {
            Array.Resize(ref _live, _live.Length * 2);
        }
        _livePos[p] = _liveCount;
        _live[_liveCount++] = p;
    }

    /// <summary>Adds pixel <paramref name="p"/> to the component rooted at <paramref name="root"/>.</summary>
    private void Attach(int p, int root)
    {
        _parent[p] = root;
        ref var r = ref _roots[root];
        short x = (short)_xOf[p], y = (short)_yOf[p];
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
        while (parent[p] != p)
        {
            int gp = parent[parent[p]];
            parent[p] = gp;
            p = gp;
        }
        return p;
    }

    private void Union(int a, int b)
    {
        int ra = Find(a), rb = Find(b);
        if (ra == rb)
        {
            return;
        }
        // Union by size keeps the trees flat; the first pixel in raster order is kept as data.
        if (_roots[rb].Size > _roots[ra].Size)
        {
            (ra, rb) = (rb, ra);
        }
        _parent[rb] = ra;
        ref var A = ref _roots[ra];
        ref readonly var B = ref _roots[rb];
        A.Size += B.Size;
        if (B.MinIdx < A.MinIdx) A.MinIdx = B.MinIdx;
        if (B.X0 < A.X0) A.X0 = B.X0;
        if (B.Y0 < A.Y0) A.Y0 = B.Y0;
        if (B.X1 > A.X1) A.X1 = B.X1;
        if (B.Y1 > A.Y1) A.Y1 = B.Y1;
        A.Outside |= B.Outside;
        // Remove rb from the live list.
        int pos = _livePos[rb];
        int lastRoot = _live[--_liveCount];
        _live[pos] = lastRoot;
        _livePos[lastRoot] = pos;
    }
}
