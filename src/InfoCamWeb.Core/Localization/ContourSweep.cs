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
    private readonly int[] _order;
    private readonly int[] _bucketStart = new int[257];
    private readonly int[] _parent;
    private readonly int[] _minIdx;
    private readonly int[] _x0, _y0, _x1, _y1;
    private readonly bool[] _outside;
    private readonly int[] _livePos;
    private readonly List<int> _live = new();
    private readonly ContourTracer _tracer;
    private long[] _boundKeys = new long[64];
    private int[] _boundRoots = new int[64];

    public ContourSweep(int size)
    {
        if (size < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(size));
        }
        _size = size;
        _n = size * size;
        _stride = size + 2;
        _padded = new byte[_stride * _stride];
        _order = new int[_n];
        _parent = new int[_n];
        _minIdx = new int[_n];
        _x0 = new int[_n];
        _y0 = new int[_n];
        _x1 = new int[_n];
        _y1 = new int[_n];
        _outside = new bool[_n];
        _livePos = new int[_n];
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
        }
        BucketSort(q);
        SweepForeground(q, levels, result);
        SweepBackground(q, levels, result);
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
        for (int i = 0; i < q.Length; i++)
        {
            _order[fill[q[i]]++] = i;
        }
    }

    // ---- foreground: 8-connected components of q > level, level sweeping down ----
    private void SweepForeground(ReadOnlySpan<byte> q, ReadOnlySpan<int> levels, SweepResult result)
    {
        Array.Fill(_parent, -1);
        _live.Clear();
        int li = levels.Length - 1;
        // Levels >= 255 see an empty mask.
        while (li >= 0 && levels[li] >= 255)
        {
            result.SetLargest(li, Box.None);
            li--;
        }
        for (int v = 255; v >= 1 && li >= 0; v--)
        {
            for (int k = _bucketStart[v]; k < _bucketStart[v + 1]; k++)
            {
                AddForeground(_order[k], q, v);
            }
            while (li >= 0 && levels[li] == v - 1)
            {
                SnapshotForeground(li, v - 1, result);
                li--;
            }
        }
    }

    private void AddForeground(int p, ReadOnlySpan<byte> q, int v)
    {
        int x = p % _size, y = p / _size;
        MakeRoot(p, x, y, outside: false);
        for (int dy = -1; dy <= 1; dy++)
        {
            int ny = y + dy;
            if ((uint)ny >= (uint)_size) continue;
            for (int dx = -1; dx <= 1; dx++)
            {
                if (dx == 0 && dy == 0) continue;
                int nx = x + dx;
                if ((uint)nx >= (uint)_size) continue;
                int nb = ny * _size + nx;
                if (_parent[nb] >= 0)
                {
                    Union(p, nb);
                }
            }
        }
    }

    private void SnapshotForeground(int li, int level, SweepResult result)
    {
        int count = _live.Count;
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
        for (int k = 0; k < count; k++)
        {
            int r = _live[k];
            result.AddOuter(li, new Box(_x0[r], _y0[r], Math.Min(_x1[r] + 1, last), Math.Min(_y1[r] + 1, last)));
            // contourArea of a polygon through pixel centres cannot exceed its bounding box's area.
            long bound = (long)(_x1[r] - _x0[r]) * (_y1[r] - _y0[r]);
            _boundKeys[k] = -bound;
            _boundRoots[k] = r;
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
            int start = _minIdx[r];
            int sx = start % _size, sy = start / _size;
            var trace = _tracer.Follow(_padded, level, (sy + 1) * _stride + sx + 1, sx, sy, hole: false);
            // Ties go to the contour OpenCV lists first: top-level contours come out in reverse order of
            // discovery (raster order of their first pixel).
            if (trace.Area > bestArea || (trace.Area == bestArea && start > _minIdx[bestRoot]))
            {
                bestArea = trace.Area;
                bestRoot = r;
            }
        }
        result.SetLargest(li, new Box(_x0[bestRoot], _y0[bestRoot], Math.Min(_x1[bestRoot] + 1, last), Math.Min(_y1[bestRoot] + 1, last)));
    }

    // ---- background: 4-connected components of q <= level, level sweeping up ----
    private void SweepBackground(ReadOnlySpan<byte> q, ReadOnlySpan<int> levels, SweepResult result)
    {
        Array.Fill(_parent, -1);
        _live.Clear();
        int li = 0;
        for (int v = 0; v <= 255 && li < levels.Length; v++)
        {
            for (int k = _bucketStart[v]; k < _bucketStart[v + 1]; k++)
            {
                AddBackground(_order[k]);
            }
            while (li < levels.Length && levels[li] == v)
            {
                SnapshotHoles(li, result);
                li++;
            }
        }
    }

    private void AddBackground(int p)
    {
        int x = p % _size, y = p / _size;
        bool border = x == 0 || y == 0 || x == _size - 1 || y == _size - 1;
        MakeRoot(p, x, y, border);
        if (x > 0 && _parent[p - 1] >= 0) Union(p, p - 1);
        if (x < _size - 1 && _parent[p + 1] >= 0) Union(p, p + 1);
        if (y > 0 && _parent[p - _size] >= 0) Union(p, p - _size);
        if (y < _size - 1 && _parent[p + _size] >= 0) Union(p, p + _size);
    }

    private void SnapshotHoles(int li, SweepResult result)
    {
        int last = _size - 1;
        foreach (int r in _live)
        {
            if (_outside[r])
            {
                continue;
            }
            // The hole contour passes through the foreground pixels around the hole.
            int minX = _x0[r] - 1, minY = _y0[r] - 1, maxX = _x1[r] + 1, maxY = _y1[r] + 1;
            result.AddHole(li, new Box(minX, minY, Math.Min(maxX + 1, last), Math.Min(maxY + 1, last)));
        }
    }

    // ---- union-find ----
    private void MakeRoot(int p, int x, int y, bool outside)
    {
        _parent[p] = p;
        _minIdx[p] = p;
        _x0[p] = _x1[p] = x;
        _y0[p] = _y1[p] = y;
        _outside[p] = outside;
        _livePos[p] = _live.Count;
        _live.Add(p);
    }

    private int Find(int p)
    {
        int r = p;
        while (_parent[r] != r)
        {
            r = _parent[r];
        }
        while (_parent[p] != r)
        {
            int next = _parent[p];
            _parent[p] = r;
            p = next;
        }
        return r;
    }

    private void Union(int a, int b)
    {
        int ra = Find(a), rb = Find(b);
        if (ra == rb)
        {
            return;
        }
        // Keep the root with the lower index; merge the other's data into it.
        if (rb < ra)
        {
            (ra, rb) = (rb, ra);
        }
        _parent[rb] = ra;
        if (_minIdx[rb] < _minIdx[ra]) _minIdx[ra] = _minIdx[rb];
        if (_x0[rb] < _x0[ra]) _x0[ra] = _x0[rb];
        if (_y0[rb] < _y0[ra]) _y0[ra] = _y0[rb];
        if (_x1[rb] > _x1[ra]) _x1[ra] = _x1[rb];
        if (_y1[rb] > _y1[ra]) _y1[ra] = _y1[rb];
        _outside[ra] |= _outside[rb];
        // Remove rb from the live list.
        int pos = _livePos[rb];
        int lastRoot = _live[^1];
        _live[pos] = lastRoot;
        _livePos[lastRoot] = pos;
        _live.RemoveAt(_live.Count - 1);
    }
}
