namespace InfoCamWeb.Core.Datasets;

/// <summary>Reads the CUB_200_2011 layout. Ids and class ids are 1-based; class id <c>i</c> is model output <c>i - 1</c>.</summary>
internal static class CubReader
{
    public static Dataset? Read(string root, ProblemCollector problems, DatasetLoadOptions options)
    {
        AnnotationFile Open(string name, bool required)
        {
            var f = AnnotationFile.Open(Path.Combine(root, name), name, problems);
            if (f is null && required)
            {
                problems.Add(name, 0, "file", "is missing.");
            }
            return f ?? AnnotationFile.Absent(name);
        }

        var imagesFile = Open("images.txt", true);
        var labelsFile = Open("image_class_labels.txt", true);
        var boxesFile = Open("bounding_boxes.txt", true);
        var splitFile = Open("train_test_split.txt", true);
        var classesFile = Open("classes.txt", true);
        var sizesFile = Open("image_sizes.txt", false);
        var imagesRoot = Path.Combine(root, "images");
        if (options.VerifyImageFiles && !Directory.Exists(imagesRoot))
        {
            problems.Add("images/", 0, "folder", "is missing.");
        }

        // classes.txt: "<class id> <name>", ids from 1.
        var classNames = new SortedDictionary<int, string>();
        foreach (var (line, text) in classesFile.Lines)
        {
            var parts = text.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
            {
                problems.Add(classesFile.Name, line, "line", "expected '<class id> <name>'.");
                continue;
            }
            if (!classesFile.TryId(parts[0], line, "class id", problems, out int cid)) continue;
            if (cid > Dataset.MaxClasses)
            {
                problems.Add(classesFile.Name, line, "class id", $"{cid} is implausibly large (limit {Dataset.MaxClasses}).");
                continue;
            }
            var name = parts[1].Trim();
            if (name.Length > 256 || name.Any(char.IsControl))
            {
                problems.Add(classesFile.Name, line, "name", "must be at most 256 printable characters.");
                continue;
            }
            if (!classNames.TryAdd(cid, name))
            {
                problems.Add(classesFile.Name, line, "class id", $"{cid} is listed twice.");
            }
        }
        // Ids need not be contiguous (a subset of a bigger dataset keeps its ids): id i is model output i - 1 whatever else is listed.
        int classCount = classNames.Count == 0 ? 0 : classNames.Keys.Last();
        if (classNames.Count == 0 && !classesFile.Missing)
        {
            problems.Add(classesFile.Name, 0, "file", "lists no class.");
        }

        // images.txt: "<image id> <relative path>".
        var paths = new Dictionary<int, (string Path, int Line)>();
        var seenPaths = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (line, text) in imagesFile.Lines)
        {
            var parts = text.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
            {
                problems.Add(imagesFile.Name, line, "line", "expected '<image id> <path>'.");
                continue;
            }
            if (!imagesFile.TryId(parts[0], line, "image id", problems, out int id)) continue;
            var path = parts[1].Trim();
            var why = DatasetPaths.Check(path);
            if (why is not null || DatasetPaths.Resolve(imagesRoot, path) is null)
            {
                problems.Add(imagesFile.Name, line, "path", $"'{AnnotationFile.Truncate(path)}' {why ?? "leaves the images folder"}.");
                continue;
            }
            if (paths.ContainsKey(id))
            {
                problems.Add(imagesFile.Name, line, "image id", $"{id} is listed twice (first on line {paths[id].Line}).");
                continue;
            }
            if (seenPaths.TryGetValue(path, out int first))
            {
                problems.Add(imagesFile.Name, line, "path", $"'{AnnotationFile.Truncate(path)}' is listed twice (first on line {first}).");
                continue;
            }
            seenPaths[path] = line;
            paths[id] = (path, line);
            if (options.VerifyImageFiles)
            {
                var full = DatasetPaths.Resolve(imagesRoot, path)!;
                if (Directory.Exists(full))
                {
                    problems.Add(imagesFile.Name, line, "path", $"'{AnnotationFile.Truncate(path)}' is a folder, not an image.");
                }
                else if (!File.Exists(full))
                {
                    problems.Add(imagesFile.Name, line, "path", $"images/{AnnotationFile.Truncate(path)} does not exist.");
                }
            }
        }
        if (paths.Count == 0 && !imagesFile.Missing)
        {
            problems.Add(imagesFile.Name, 0, "file", "lists no images.");
        }

        bool KnownImage(AnnotationFile file, int line, int id)
        {
            if (paths.ContainsKey(id)) return true;
            problems.Add(file.Name, line, "image id", $"{id} is not in images.txt.");
            return false;
        }

        // Ids whose line in a file was rejected: the completeness checks below do not report them again.
        var rejected = new HashSet<(string File, int Id)>();

        // image_class_labels.txt: "<image id> <class id>".
        var labels = new Dictionary<int, (int Class, int Line)>();
        foreach (var (line, text) in labelsFile.Lines)
        {
            var f = AnnotationFile.Fields(text);
            if (f.Length != 2)
            {
                problems.Add(labelsFile.Name, line, "line", $"expected '<image id> <class id>', found {f.Length} field(s).");
                continue;
            }
            if (!labelsFile.TryId(f[0], line, "image id", problems, out int id) || !KnownImage(labelsFile, line, id)) continue;
            if (!labelsFile.TryId(f[1], line, "class id", problems, out int cid)) { rejected.Add((labelsFile.Name, id)); continue; }
            if (!classNames.ContainsKey(cid))
            {
                rejected.Add((labelsFile.Name, id));
                problems.Add(labelsFile.Name, line, "class id", $"{cid} is not in classes.txt ({ClassList(classNames.Keys)}).");
                continue;
            }
            if (!labels.TryAdd(id, (cid, line)))
            {
                problems.Add(labelsFile.Name, line, "image id", $"{id} has a second label.");
            }
        }

        // image_sizes.txt (optional, not in the original release): "<image id> <width> <height>".
        var sizes = new Dictionary<int, (int W, int H)>();
        if (!sizesFile.Missing)
        {
            foreach (var (line, text) in sizesFile.Lines)
            {
                var f = AnnotationFile.Fields(text);
                if (f.Length != 3)
                {
                    problems.Add(sizesFile.Name, line, "line", $"expected '<image id> <width> <height>', found {f.Length} field(s).");
                    continue;
                }
                if (!sizesFile.TryId(f[0], line, "image id", problems, out int id) || !KnownImage(sizesFile, line, id)) continue;
                if (!sizesFile.TryId(f[1], line, "width", problems, out int w) || !sizesFile.TryId(f[2], line, "height", problems, out int h)) continue;
                if (!sizes.TryAdd(id, (w, h)))
                {
                    problems.Add(sizesFile.Name, line, "image id", $"{id} has a second size.");
                }
            }
        }

        // bounding_boxes.txt: "<image id> <x> <y> <width> <height>", floats in pixels.
        var boxes = new Dictionary<int, List<GroundTruthBox>>();
        var boxLines = new Dictionary<int, List<int>>();
        foreach (var (line, text) in boxesFile.Lines)
        {
            var f = AnnotationFile.Fields(text);
            if (f.Length != 5)
            {
                problems.Add(boxesFile.Name, line, "line", $"expected '<image id> <x> <y> <width> <height>', found {f.Length} field(s).");
                continue;
            }
            if (!boxesFile.TryId(f[0], line, "image id", problems, out int id) || !KnownImage(boxesFile, line, id)) continue;
            if (!boxesFile.TryNumber(f[1], line, "x", problems, out double x) |
                !boxesFile.TryNumber(f[2], line, "y", problems, out double y) |
                !boxesFile.TryNumber(f[3], line, "width", problems, out double w) |
                !boxesFile.TryNumber(f[4], line, "height", problems, out double h))
            {
                rejected.Add((boxesFile.Name, id));
                continue;
            }
            // A width or height of 0 is a line-thin box (x1 == x0), which wsolevaluation accepts.
            if (x < 0 || y < 0 || w < 0 || h < 0 || (sizes.TryGetValue(id, out var sz) && (x >= sz.W || y >= sz.H)))
            {
                rejected.Add((boxesFile.Name, id));
            }
            if (x < 0 || y < 0)
            {
                problems.Add(boxesFile.Name, line, x < 0 ? "x" : "y", "is negative.");
                continue;
            }
            if (w < 0 || h < 0)
            {
                problems.Add(boxesFile.Name, line, w < 0 ? "width" : "height", "is negative.");
                continue;
            }
            if (sizes.TryGetValue(id, out var size) && (x >= size.W || y >= size.H))
            {
                problems.Add(boxesFile.Name, line, x >= size.W ? "x" : "y", $"starts outside the {size.W}x{size.H} image.");
                continue;
            }
            if (!boxes.TryGetValue(id, out var list))
            {
                boxes[id] = list = new List<GroundTruthBox>(1);
                boxLines[id] = new List<int>(1);
            }
            list.Add(new GroundTruthBox(x, y, x + w, y + h));
            boxLines[id].Add(line);
        }

        // train_test_split.txt: "<image id> <1 train | 0 test>".
        var isTrain = new Dictionary<int, bool>();
        foreach (var (line, text) in splitFile.Lines)
        {
            var f = AnnotationFile.Fields(text);
            if (f.Length != 2)
            {
                problems.Add(splitFile.Name, line, "line", $"expected '<image id> <1|0>', found {f.Length} field(s).");
                continue;
            }
            if (!splitFile.TryId(f[0], line, "image id", problems, out int id) || !KnownImage(splitFile, line, id)) continue;
            if (f[1] is not ("0" or "1"))
            {
                rejected.Add((splitFile.Name, id));
                problems.Add(splitFile.Name, line, "is_training_image", $"'{AnnotationFile.Truncate(f[1])}' must be 1 (train) or 0 (test).");
                continue;
            }
            if (!isTrain.TryAdd(id, f[1] == "1"))
            {
                problems.Add(splitFile.Name, line, "image id", $"{id} is listed twice.");
            }
        }

        var images = new List<ImageRecord>(paths.Count);
        foreach (var (id, (path, line)) in paths.OrderBy(p => p.Key))
        {
            bool ok = true;
            if (!labels.TryGetValue(id, out var label) && !labelsFile.Missing && !rejected.Contains((labelsFile.Name, id)))
            {
                problems.Add(labelsFile.Name, 0, "image id", $"image {id} (images.txt line {line}) has no class label.");
                ok = false;
            }
            if (!boxes.TryGetValue(id, out var b) && !boxesFile.Missing && !rejected.Contains((boxesFile.Name, id)))
            {
                problems.Add(boxesFile.Name, 0, "image id", $"image {id} (images.txt line {line}) has no bounding box.");
                ok = false;
            }
            if (!isTrain.TryGetValue(id, out bool train) && !splitFile.Missing && !rejected.Contains((splitFile.Name, id)))
            {
                problems.Add(splitFile.Name, 0, "image id", $"image {id} (images.txt line {line}) is in no split.");
                ok = false;
            }
            if (!ok || b is null || label.Class == 0) continue;
            int? w = null, h = null;
            string sizeSource = "image header";
            if (sizes.TryGetValue(id, out var s))
            {
                (w, h) = (s.W, s.H);
                sizeSource = $"image_sizes.txt";
            }
            images.Add(new ImageRecord(id.ToString(System.Globalization.CultureInfo.InvariantCulture), path, label.Class - 1,
                train, !train, w, h, b!, sizeSource) { ListedIn = imagesFile.Name, ListedLine = line, LabelWhere = $"{labelsFile.Name}, line {label.Line}",
                BoxesIn = boxesFile.Name, BoxLines = boxLines[id] });
        }

        var classLabels = Enumerable.Range(1, classCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var names = Enumerable.Range(1, classCount).Select(i => classNames.GetValueOrDefault(i, i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        return new Dataset(root, imagesRoot, DatasetLayout.Cub, classLabels, names, images);
    }

    /// <summary>The class ids as a short list for a message: "classes 1..200" when contiguous, else the first few.</summary>
    private static string ClassList(ICollection<int> ids)
    {
        if (ids.Count == 0) return "it lists none";
        var sorted = ids.Order().ToList();
        if (sorted[^1] - sorted[0] + 1 == sorted.Count) return $"classes {sorted[0]}..{sorted[^1]}";
        var shown = string.Join(", ", sorted.Take(8));
        return sorted.Count > 8 ? $"classes {shown}, ... ({sorted.Count} ids)" : $"classes {shown}";
    }
}
