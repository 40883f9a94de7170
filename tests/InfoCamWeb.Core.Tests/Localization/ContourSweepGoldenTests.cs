using System.Text.Json;
using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Tests.Localization;

/// <summary>Boxes against what OpenCV 4.6's findContours + boundingRect + contourArea return (shared/fixtures/opencv-goldens).</summary>
public class ContourSweepGoldenTests
{
    private static readonly Lazy<JsonDocument> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllText(Fixtures.Path_("opencv-goldens", "boxes.json"))));

    public static TheoryData<string> MapNames()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Fixtures.Path_("opencv-goldens", "maps"), "*.pgm").Order())
        {
            data.Add(Path.GetFileNameWithoutExtension(f));
        }
        return data;
    }

    private static Box ToBox(JsonElement e) => new(e[0].GetInt32(), e[1].GetInt32(), e[2].GetInt32(), e[3].GetInt32());

    [Theory]
    [MemberData(nameof(MapNames))]
    public void Largest_and_all_boxes_match_opencv_at_every_threshold(string name)
    {
        var (q, w, h) = Fixtures.ReadPgm(Fixtures.Path_("opencv-goldens", "maps", name + ".pgm"));
        Assert.Equal(224, w);
        Assert.Equal(224, h);
        var thresholds = Golden.Value.RootElement.GetProperty("thresholds").EnumerateArray().Select(t => t.GetDouble()).ToArray();
        var expected = Golden.Value.RootElement.GetProperty("maps").GetProperty(name);

        var grid = ThresholdGrid.Create(thresholds, q.Max());
        var sweep = new ContourSweep(224);
        var result = new SweepResult();
        sweep.Run(q, grid.Levels, result);

        var failures = new List<string>();
        for (int k = 0; k < thresholds.Length; k++)
        {
            int li = grid.LevelIndexOf(k);
            var exp = expected[k];
            var expLargest = ToBox(exp.GetProperty("largest"));
            if (result.Largest(li) != expLargest)
            {
                failures.Add($"t={thresholds[k]}: largest {result.Largest(li)} expected {expLargest}");
            }
            var expAll = exp.GetProperty("all").EnumerateArray().Select(ToBox).OrderBy(b => b.ToString()).ToList();
            var all = result.All(li);
            if (expAll.Count == 0)
            {
                expAll.Add(Box.None);
            }
            var actualAll = all.OrderBy(b => b.ToString()).ToList();
            if (!expAll.SequenceEqual(actualAll))
            {
                failures.Add($"t={thresholds[k]}: {actualAll.Count} boxes, expected {expAll.Count}; first difference: " +
                    string.Join(" ", actualAll.Except(expAll).Take(3)) + " vs " + string.Join(" ", expAll.Except(actualAll).Take(3)));
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }

    [Fact]
    public void A_reused_result_gives_no_boxes_at_levels_where_the_second_map_has_no_contour()
    {
        var sweep = new ContourSweep(8);
        var result = new SweepResult();
        var blob = new byte[64];
        for (int y = 2; y < 6; y++) for (int x = 2; x < 6; x++) blob[y * 8 + x] = 200;
        sweep.Run(blob, [0, 100], result);
        Assert.Equal([new Box(2, 2, 6, 6)], result.Outer(0).ToArray());
        Assert.Equal([new Box(2, 2, 6, 6)], result.Outer(1).ToArray());

        sweep.Run(new byte[64], [0, 100], result);
        for (int level = 0; level < 2; level++)
        {
            Assert.True(result.Outer(level).IsEmpty);
            Assert.Equal([Box.None], result.All(level));
            Assert.Equal(Box.None, result.Largest(level));
        }
    }

    /// <summary>A 9 x 9 map of 10s with a ring of 200 (columns and rows 2-6) around a 3 x 3 centre of 50.</summary>
    private static byte[] Crater()
    {
        var map = Enumerable.Repeat((byte)10, 81).ToArray();
        for (int y = 2; y <= 6; y++) for (int x = 2; x <= 6; x++) map[y * 9 + x] = 200;
        for (int y = 3; y <= 5; y++) for (int x = 3; x <= 5; x++) map[y * 9 + x] = 50;
        return map;
    }

    [Fact]
    public void A_hole_that_exists_only_at_high_levels_is_found_and_none_is_invented_elsewhere()
    {
        // Levels 50-199 see the ring alone, enclosing the centre: a hole whose contour runs through the ring, box (2, 2, 7, 7)
        // as boundingRect gives it (x + width).
        // Below 50 the centre joins the ring; below 10 everything is foreground; from 200 nothing is.
        var result = new SweepResult();
        new ContourSweep(9).Run(Crater(), [0, 20, 60, 150, 199, 210], result);
        Assert.Equal([0, 0, 1, 1, 1, 0], Enumerable.Range(0, 6).Select(li => result.Holes(li).Length));
        Assert.Equal([new Box(2, 2, 7, 7)], result.Holes(2).ToArray());
        Assert.Equal([new Box(2, 2, 7, 7)], result.Holes(3).ToArray());
        Assert.Equal(Box.None, result.Largest(5));
    }

    [Fact]
    public void Holes_are_counted_the_same_whichever_levels_are_asked_for()
    {
        // The hole count at a level comes from the Euler number of the levels swept so far, not from the levels asked.
        var all = new SweepResult();
        new ContourSweep(9).Run(Crater(), Enumerable.Range(0, 255).ToArray(), all);
        var one = new SweepResult();
        new ContourSweep(9).Run(Crater(), [120], one);
        Assert.Equal(all.Holes(120).ToArray(), one.Holes(0).ToArray());
        Assert.Equal(Enumerable.Range(0, 255).Select(l => l is >= 50 and < 200 ? 1 : 0), Enumerable.Range(0, 255).Select(l => all.Holes(l).Length));
    }

    [Fact]
    public void A_ring_encloses_its_hole_so_it_is_larger_than_a_solid_block_with_more_pixels()
    {
        // A 5 x 5 ring (16 pixels) encloses a polygon of 4 x 4 = 16 between its pixel centres; a solid 6 x 4 block
        // (24 pixels) encloses 5 x 3 = 15. Without its hole the ring's own pixels would cover only its four corners' halves.
        var map = new byte[16 * 8];
        for (int y = 1; y <= 5; y++) for (int x = 1; x <= 5; x++) map[y * 16 + x] = (byte)(x is 1 or 5 || y is 1 or 5 ? 200 : 0);
        for (int y = 1; y <= 4; y++) for (int x = 8; x <= 13; x++) map[y * 16 + x] = 200;
        var square = new byte[256];
        map.CopyTo(square, 0);
        var result = new SweepResult();
        new ContourSweep(16).Run(square, [100], result);
        Assert.Equal(new Box(1, 1, 6, 6), result.Largest(0));

        // A plus of five pixels encloses the diamond through its four tips (area 2): more than a 1 x 5 line (area 0).
        var plus = new byte[256];
        foreach (var (x, y) in new[] { (2, 1), (1, 2), (2, 2), (3, 2), (2, 3) }) plus[y * 16 + x] = 200;
        for (int x = 6; x <= 10; x++) plus[5 * 16 + x] = 200;
        new ContourSweep(16).Run(plus, [100], result);
        Assert.Equal(new Box(1, 1, 4, 4), result.Largest(0));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_ring_and_a_solid_square_of_equal_area_tie_and_the_one_found_last_in_raster_order_wins(bool ringFirst)
    {
        // Both enclose 4 x 4 = 16 between their pixel centres: the ring's bounding box equals the best area found so far,
        // so it must still be traced for the tie to be decided as OpenCV lists the contours.
        var map = new byte[16 * 16];
        int ringX = ringFirst ? 1 : 8, squareX = ringFirst ? 8 : 1;
        for (int y = 1; y <= 5; y++)
        {
            for (int x = 0; x < 5; x++)
            {
                map[y * 16 + ringX + x] = (byte)(x is 0 or 4 || y is 1 or 5 ? 200 : 0);
                map[y * 16 + squareX + x] = 200;
            }
        }
        var result = new SweepResult();
        new ContourSweep(16).Run(map, [100], result);
        int last = ringFirst ? squareX : ringX;
        Assert.Equal(new Box(last, 1, last + 5, 6), result.Largest(0));
    }

    [Fact]
    public void The_largest_box_at_every_level_is_the_component_whose_traced_outer_contour_encloses_most()
    {
        var random = new Random(7);
        var failures = new List<string>();
        foreach (int size in new[] { 3, 8, 17, 32, 45 })
        {
            var sweep = new ContourSweep(size);
            var result = new SweepResult();
            var levels = Enumerable.Range(0, 255).ToArray();
            for (int trial = 0; trial < 8; trial++)
            {
                // Few values make rings, holes inside holes and equal-area ties; the rest are noise over every level.
                int values = trial % 2 == 0 ? 3 + trial : 256;
                var q = Enumerable.Range(0, size * size).Select(_ => (byte)(random.Next(values) * (255 / (values - 1)))).ToArray();
                sweep.Run(q, levels, result);
                for (int li = 0; li < levels.Length; li += trial % 2 == 0 ? 1 : 17)
                {
                    var expected = LargestByTracing(q, size, levels[li]);
                    if (result.Largest(li) != expected)
                    {
                        failures.Add($"size {size}, trial {trial}, level {levels[li]}: {result.Largest(li)} expected {expected}");
                    }
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }

    /// <summary>
    /// Every 8-connected component of q &gt; level (flood fill) traced from its first pixel in raster order with OpenCV's
    /// border following (checked against OpenCV's own contours by the golden tests); the largest area wins, ties going to
    /// the component found last.
    /// </summary>
    private static Box LargestByTracing(byte[] q, int size, int level)
    {
        int stride = size + 2;
        var padded = new byte[stride * stride];
        for (int y = 0; y < size; y++) for (int x = 0; x < size; x++) padded[(y + 1) * stride + x + 1] = q[y * size + x];
        var tracer = new ContourTracer(stride);
        var seen = new bool[q.Length];
        Box best = Box.None;
        long bestTwice = -1;
        for (int first = 0; first < q.Length; first++)
        {
            if (seen[first] || q[first] <= level)
            {
                continue;
            }
            int x0 = size, y0 = size, x1 = -1, y1 = -1;
            var stack = new Stack<int>([first]);
            seen[first] = true;
            while (stack.Count > 0)
            {
                int p = stack.Pop(), x = p % size, y = p / size;
                (x0, y0, x1, y1) = (Math.Min(x0, x), Math.Min(y0, y), Math.Max(x1, x), Math.Max(y1, y));
                for (int n = 0; n < 9; n++)
                {
                    int nx = x + n % 3 - 1, ny = y + n / 3 - 1;
                    if (nx < 0 || ny < 0 || nx >= size || ny >= size || seen[ny * size + nx] || q[ny * size + nx] <= level) continue;
                    seen[ny * size + nx] = true;
                    stack.Push(ny * size + nx);
                }
            }
            int fx = first % size, fy = first / size;
            var trace = tracer.Follow(padded, level, (fy + 1) * stride + fx + 1, fx, fy, hole: false);
            if (trace.TwiceArea >= bestTwice)
            {
                best = new Box(x0, y0, Math.Min(x1 + 1, size - 1), Math.Min(y1 + 1, size - 1));
                bestTwice = trace.TwiceArea;
            }
        }
        return best;
    }

    /// <summary>Boxes by flood fill, level by level: 8-connected components of q &gt; level, and 4-connected components of the rest that miss the border, grown by one.</summary>
    private static (List<Box> Outer, List<Box> Holes) FloodFill(byte[] q, int size, int level)
    {
        var seen = new bool[q.Length];
        var outer = new List<Box>();
        var holes = new List<Box>();
        int last = size - 1;
        for (int start = 0; start < q.Length; start++)
        {
            if (seen[start]) continue;
            bool fg = q[start] > level;
            int x0 = size, y0 = size, x1 = -1, y1 = -1;
            bool border = false;
            var stack = new Stack<int>([start]);
            seen[start] = true;
            while (stack.Count > 0)
            {
                int p = stack.Pop(), x = p % size, y = p / size;
                (x0, y0, x1, y1) = (Math.Min(x0, x), Math.Min(y0, y), Math.Max(x1, x), Math.Max(y1, y));
                border |= x == 0 || y == 0 || x == last || y == last;
                for (int dy = -1; dy <= 1; dy++)
                {
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        if ((dx == 0 && dy == 0) || (!fg && dx != 0 && dy != 0)) continue;
                        int nx = x + dx, ny = y + dy, n = ny * size + nx;
                        if (nx < 0 || ny < 0 || nx > last || ny > last || seen[n] || (q[n] > level) != fg) continue;
                        seen[n] = true;
                        stack.Push(n);
                    }
                }
            }
            if (fg) outer.Add(new Box(x0, y0, Math.Min(x1 + 1, last), Math.Min(y1 + 1, last)));
            else if (!border) holes.Add(new Box(x0 - 1, y0 - 1, Math.Min(x1 + 2, last), Math.Min(y1 + 2, last)));
        }
        return (outer, holes);
    }

    [Fact]
    public void Every_levels_outer_and_hole_boxes_equal_a_flood_fill_on_random_maps_of_many_sizes()
    {
        var random = new Random(2024);
        var failures = new List<string>();
        foreach (int size in new[] { 1, 2, 3, 5, 8, 17, 31, 32, 33, 40, 63, 65 })
        {
            var sweep = new ContourSweep(size);
            var result = new SweepResult();
            for (int trial = 0; trial < 6; trial++)
            {
                // Few distinct values make plateaus, rings and holes at many levels; some maps are smooth ramps.
                int values = trial % 3 == 0 ? 256 : 2 + trial;
                var q = Enumerable.Range(0, size * size).Select(i => (byte)(trial == 5 ? (i * 7) % 251 : random.Next(values) * (255 / (values - 1)))).ToArray();
                int[] levels = [0, 1, 50, 100, 127, 128, 200, 254];
                sweep.Run(q, levels, result);
                for (int li = 0; li < levels.Length; li++)
                {
                    var (outer, holes) = FloodFill(q, size, levels[li]);
                    static string Sorted(IEnumerable<Box> boxes) => string.Join(" ", boxes.Select(b => b.ToString()).Order());
                    if (Sorted(outer) != Sorted(result.Outer(li).ToArray()) || Sorted(holes) != Sorted(result.Holes(li).ToArray()))
                    {
                        failures.Add($"size {size}, trial {trial}, level {levels[li]}");
                    }
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }
}
