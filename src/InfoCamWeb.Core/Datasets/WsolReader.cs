using System.Globalization;

namespace InfoCamWeb.Core.Datasets;

/// <summary>
/// Reads wsolevaluation metadata: <c>test/</c>, <c>train/</c> (and <c>val/</c>) folders, or the files directly in the
/// root (taken as the test split). Each holds <c>image_ids.txt</c>, <c>class_labels.txt</c> (0-based labels),
/// <c>localization.txt</c> (<c>path,x0,y0,x1,y1</c>, several lines per image allowed) and optionally <c>image_sizes.txt</c>.
/// Image paths are relative to <c>images/</c> when that folder exists, else to the root.
/// </summary>
internal static class WsolReader
{
    private sealed class Entry
    {
        public required string Path;
        public int Label = -1;
        public int? W, H;
        public readonly List<GroundTruthBox> Boxes = new();
        public readonly List<int> BoxLines = new();
        public string BoxesIn = "";
        public bool Train, Test, Val;
        public string ListedIn = "";
        public int ListedLine;
        public string LabelWhere = "";
        public readonly List<string> Masks = new();
        public readonly List<int> MaskLines = new();
        public string? IgnoreMask;
        public string MasksIn = "";
    }

    public static Dataset? Read(string root, ProblemCollector problems, DatasetLoadOptions options)
    {
        var imagesRoot = Directory.Exists(Path.Combine(root, "images")) ? Path.Combine(root, "images") : root;
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var order = new List<Entry>();
        var splits = new List<(string Folder, bool Train, bool Test)>();
        if (File.Exists(Path.Combine(root, "image_ids.txt")))
        {
            splits.Add(("", false, true));
        }
        else
        {
            foreach (var (folder, train, test) in new[] { ("train", true, false), ("val", false, false), ("test", false, true) })
            {
                if (File.Exists(Path.Combine(root, folder, "image_ids.txt")))
                {
                    splits.Add((folder, train, test));
                }
            }
        }

        foreach (var (folder, train, test) in splits)
        {
            string Name(string file) => folder.Length == 0 ? file : folder + "/" + file;
            AnnotationFile? Open(string file, bool required)
            {
                var f = AnnotationFile.Open(Path.Combine(root, folder, file), Name(file), problems);
                if (f is null && required)
                {
                    problems.Add(Name(file), 0, "file", "is missing.");
                }
                return f;
            }
            var ids = Open("image_ids.txt", true);
            var labels = Open("class_labels.txt", true);
            var boxes = Open("localization.txt", true);
            var sizes = Open("image_sizes.txt", false);
            if (ids is null || labels is null || boxes is null) continue;

            var split = new Dictionary<string, Entry>(StringComparer.Ordinal);
            foreach (var (line, text) in ids.Lines)
            {
                var why = DatasetPaths.Check(text);
                if (why is not null || DatasetPaths.Resolve(imagesRoot, text) is null)
                {
                    problems.Add(ids.Name, line, "path", $"'{AnnotationFile.Truncate(text)}' {why ?? "leaves the dataset folder"}.");
                    continue;
                }
                if (split.ContainsKey(text))
                {
                    problems.Add(ids.Name, line, "path", $"'{AnnotationFile.Truncate(text)}' is listed twice.");
                    continue;
                }
                if (!entries.TryGetValue(text, out var e))
                {
                    e = new Entry { Path = text, ListedIn = ids.Name, ListedLine = line };
                    entries[text] = e;
                    order.Add(e);
                    if (options.VerifyImageFiles)
                    {
                        var full = DatasetPaths.Resolve(imagesRoot, text)!;
                        if (Directory.Exists(full))
                            problems.Add(ids.Name, line, "path", $"'{AnnotationFile.Truncate(text)}' is a folder, not an image.");
                        else if (!File.Exists(full))
                            problems.Add(ids.Name, line, "path", $"'{AnnotationFile.Truncate(text)}' does not exist.");
                    }
                }
                e.Train |= train;
                e.Test |= test;
                e.Val |= folder == "val";
                split[text] = e;
            }

            (Entry? Entry, string[] Fields) Row(AnnotationFile file, int line, string text, int numbers, string expected)
            {
                var parts = text.Split(',');
                if (parts.Length < numbers + 1)
                {
                    problems.Add(file.Name, line, "line", $"expected '{expected}'.");
                    return (null, []);
                }
                var path = string.Join(',', parts[..^numbers]);
                if (!split.TryGetValue(path, out var e))
                {
                    problems.Add(file.Name, line, "path", $"'{AnnotationFile.Truncate(path)}' is not in {ids.Name}.");
                    return (null, []);
                }
                return (e, parts[^numbers..].Select(p => p.Trim()).ToArray());
            }

            var labelled = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (line, text) in labels.Lines)
            {
                var (e, f) = Row(labels, line, text, 1, "path,label");
                if (e is null) continue;
                if (!labels.TryNonNegative(f[0], line, "label", problems, out int label)) continue;
                if (label > Dataset.MaxClasses)
                {
                    problems.Add(labels.Name, line, "label", $"{label} is implausibly large (limit {Dataset.MaxClasses}).");
                    continue;
                }
                if (!labelled.Add(e.Path) || (e.Label >= 0 && e.Label != label))
                {
                    problems.Add(labels.Name, line, "path", $"'{AnnotationFile.Truncate(e.Path)}' has a second label.");
                    continue;
                }
                e.Label = label;
                e.LabelWhere = $"{labels.Name}, line {line}";
            }

            if (sizes is not null)
            {
                foreach (var (line, text) in sizes.Lines)
                {
                    var (e, f) = Row(sizes, line, text, 2, "path,width,height");
                    if (e is null) continue;
                    if (!sizes.TryId(f[0], line, "width", problems, out int w) | !sizes.TryId(f[1], line, "height", problems, out int h)) continue;
                    e.W = w;
                    e.H = h;
                }
            }

            bool masks = IsMaskFile(boxes);
            foreach (var (line, text) in masks ? [] : boxes.Lines)
            {
                var (e, f) = Row(boxes, line, text, 4, "path,x0,y0,x1,y1");
                if (e is null) continue;
                if (!boxes.TryNumber(f[0], line, "x0", problems, out double x0) |
                    !boxes.TryNumber(f[1], line, "y0", problems, out double y0) |
                    !boxes.TryNumber(f[2], line, "x1", problems, out double x1) |
                    !boxes.TryNumber(f[3], line, "y1", problems, out double y1))
                {
                    continue;
                }
                if (x0 < 0 || y0 < 0)
                {
                    problems.Add(boxes.Name, line, x0 < 0 ? "x0" : "y0", "is negative.");
                    continue;
                }
                // x1 == x0 (a line-thin box) is accepted, as wsolevaluation does.
                if (x1 < x0 || y1 < y0)
                {
                    problems.Add(boxes.Name, line, x1 < x0 ? "x1" : "y1", $"is smaller than {(x1 < x0 ? "x0" : "y0")}.");
                    continue;
                }
                if (e.W is int iw && e.H is int ih && (x0 >= iw || y0 >= ih))
                {
                    problems.Add(boxes.Name, line, x0 >= iw ? "x0" : "y0", $"starts outside the {iw}x{ih} image.");
                    continue;
                }
                var box = new GroundTruthBox(x0, y0, x1, y1);
                if (!e.Boxes.Contains(box))
                {
                    e.Boxes.Add(box);
                    e.BoxLines.Add(line);
                    e.BoxesIn = boxes.Name;
                }
            }

            if (masks)
            {
                ReadMasks(boxes, split, imagesRoot, problems, options);
            }
            foreach (var e in split.Values)
            {
                if (e.Label < 0) problems.Add(labels.Name, 0, "path", $"'{AnnotationFile.Truncate(e.Path)}' has no label.");
                if (e.Boxes.Count == 0 && e.Masks.Count == 0)
                {
                    problems.Add(boxes.Name, 0, "path", $"'{AnnotationFile.Truncate(e.Path)}' has no {(masks ? "mask" : "box")}.");
                }
            }
        }

        if (order.Count == 0)
        {
            problems.Add("image_ids.txt", 0, "file", "no split lists any image.");
            return null;
        }
        // Labels are model outputs as they stand: a subset keeps its labels (17 and 145 stay 17 and 145).
        int classCount = order.Max(e => e.Label) + 1;
        if (order.Any(e => e.Masks.Count > 0) && order.Any(e => e.Boxes.Count > 0))
        {
            problems.Add("localization.txt", 0, "file", "one split gives boxes and another masks; a dataset has one kind of ground truth.");
        }
        var images = order.Where(e => e.Label >= 0 && (e.Boxes.Count > 0 || e.Masks.Count > 0))
            .Select(e => new ImageRecord(e.Path, e.Path, e.Label, e.Train, e.Test, e.W, e.H, e.Boxes,
                e.W is null ? "image header" : "image_sizes.txt") { ListedIn = e.ListedIn, ListedLine = e.ListedLine, IsVal = e.Val, LabelWhere = e.LabelWhere,
                BoxesIn = e.BoxesIn, BoxLines = e.BoxLines, Masks = e.Masks, MaskLines = e.MaskLines, IgnoreMask = e.IgnoreMask, MasksIn = e.MasksIn })
            .ToList();
        var classLabels = Enumerable.Range(0, Math.Max(classCount, 0)).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
        return new Dataset(root, imagesRoot, DatasetLayout.WsolEvaluation, classLabels, classLabels, images);
    }

    /// <summary>OpenImages' localization.txt lists mask files (<c>path,mask.png,ignore.png</c>) where boxes have four numbers.</summary>
    private static bool IsMaskFile(AnnotationFile file)
    {
        foreach (var (_, text) in file.Lines)
        {
            var parts = text.Split(',');
            return parts.Length == 3 && !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out _);
        }
        return false;
    }

    /// <summary>
    /// wsolevaluation's mask rows: <c>path,mask,ignore</c>, one row per instance mask; the image's first row names its
    /// ignore mask (empty: none) and later rows leave it empty. Mask paths are relative to the images folder.
    /// </summary>
    private static void ReadMasks(AnnotationFile file, Dictionary<string, Entry> split, string imagesRoot, ProblemCollector problems, DatasetLoadOptions options)
    {
        // "First row" is per file: an image listed in two splits has its masks in both files, read once.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (line, text) in file.Lines)
        {
            var parts = text.Split(',');
            if (parts.Length != 3)
            {
                problems.Add(file.Name, line, "line", "expected 'path,mask,ignore' (masks) like the file's first line.");
                continue;
            }
            if (!split.TryGetValue(parts[0], out var e))
            {
                problems.Add(file.Name, line, "path", $"'{AnnotationFile.Truncate(parts[0])}' is not in the split's image_ids.txt.");
                continue;
            }
            if (!CheckMaskPath(file, line, "mask", parts[1], imagesRoot, problems, options)) continue;
            bool first = seen.Add(parts[0]);
            bool another = e.MasksIn.Length > 0 && e.MasksIn != file.Name;
            if (!first && parts[2].Length > 0)
            {
                problems.Add(file.Name, line, "ignore", "only the image's first row names its ignore mask; leave it empty here.");
                continue;
            }
            if (another) continue;
            if (first && parts[2].Length > 0)
            {
                if (!CheckMaskPath(file, line, "ignore", parts[2], imagesRoot, problems, options)) continue;
                e.IgnoreMask = parts[2];
            }
            if (e.Masks.Contains(parts[1])) continue;
            e.Masks.Add(parts[1]);
            e.MaskLines.Add(line);
            e.MasksIn = file.Name;
        }
    }

    private static bool CheckMaskPath(AnnotationFile file, int line, string field, string path, string imagesRoot, ProblemCollector problems, DatasetLoadOptions options)
    {
        var why = DatasetPaths.Check(path);
        var full = why is null ? DatasetPaths.Resolve(imagesRoot, path) : null;
        if (why is not null || full is null)
        {
            problems.Add(file.Name, line, field, $"'{AnnotationFile.Truncate(path)}' {why ?? "leaves the dataset folder"}.");
            return false;
        }
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(file.Name, line, field, $"'{AnnotationFile.Truncate(path)}' is not a .png file; masks are 8-bit greyscale PNGs.");
            return false;
        }
        if (options.VerifyImageFiles && !File.Exists(full))
        {
            problems.Add(file.Name, line, field, $"'{AnnotationFile.Truncate(path)}' does not exist.");
            return false;
        }
        return true;
    }
}
