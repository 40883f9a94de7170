namespace InfoCamWeb.Core.Datasets;

public sealed record DatasetLoadOptions
{
    /// <summary>Check that every image file exists and is a regular file (off for annotation-only tests).</summary>
    public bool VerifyImageFiles { get; init; } = true;

    /// <summary>
    /// Read every image's header (JPEG or PNG, pixel cap, size against image_sizes.txt) without decoding pixels; a bad
    /// image is reported with the file and line that list it.
    /// </summary>
    public bool VerifyImageHeaders { get; init; }
}

/// <summary>
/// Finds and reads a dataset folder in CUB_200_2011 or wsolevaluation layout. The folder may be the dataset itself
/// or a folder holding exactly one sub-folder that is (the usual shape of an extracted archive).
/// </summary>
public static class DatasetLoader
{
    public static Dataset Load(string folder, DatasetLoadOptions? options = null)
    {
        options ??= new DatasetLoadOptions();
        if (!Directory.Exists(folder))
        {
            throw new DatasetException(new DatasetProblem(folder, 0, "folder", "does not exist or is not a folder."));
        }
        var root = FindRoot(Path.GetFullPath(folder));
        var problems = new ProblemCollector();
        var dataset = Detect(root) switch
        {
            DatasetLayout.Cub => CubReader.Read(root, problems, options),
            DatasetLayout.WsolEvaluation => WsolReader.Read(root, problems, options),
            _ => throw new DatasetException(new DatasetProblem(folder, 0, "layout",
                "is neither a CUB_200_2011 folder (images.txt, image_class_labels.txt, bounding_boxes.txt, train_test_split.txt, classes.txt, images/) " +
                "nor a wsolevaluation folder (test/ and train/ holding image_ids.txt, class_labels.txt, localization.txt), " +
                $"at the top or inside a single top-level folder; the top level holds {TopLevel(root)}.")),
        };
        problems.ThrowIfAny();
        if (options.VerifyImageHeaders)
        {
            var decoder = new Imaging.ImageDecoder();
            foreach (var image in dataset!.Images)
            {
                try
                {
                    var (w, h) = decoder.Identify(dataset.ImagePath(image));
                    if (image.Width is int ew && image.Height is int eh && (ew != w || eh != h))
                    {
                        problems.Add(image.ListedIn, image.ListedLine, "image", $"'{image.RelativePath}' is {w}x{h} but {image.SizeSource} gives {ew}x{eh}.");
                    }
                    else if (image.Width is null && image.OutsideBox(w, h) is { } outside)
                    {
                        problems.Add(outside.File, outside.Line, outside.Field, outside.Message);
                    }
                    CheckMaskHeaders(dataset, image, w, h, decoder, problems);
                }
                catch (Imaging.ImageDecodeException ex)
                {
                    var reason = ex.Message[(ex.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..];
                    problems.Add(image.ListedIn, image.ListedLine, "image", $"'{image.RelativePath}' {reason}");
                }
            }
            problems.ThrowIfAny();
        }
        return dataset!;
    }

    /// <summary>Each mask's header: it must be as large as its image (the pixels are checked when a run reads them).</summary>
    private static void CheckMaskHeaders(Dataset dataset, ImageRecord image, int width, int height, Imaging.ImageDecoder decoder, ProblemCollector problems)
    {
        var masks = image.Masks.Select((m, i) => (Path: m, Line: i < image.MaskLines.Count ? image.MaskLines[i] : 0, Field: "mask"));
        if (image.IgnoreMask is { } ignore) masks = masks.Append((ignore, image.MaskLines.FirstOrDefault(), "ignore"));
        foreach (var (path, line, field) in masks)
        {
            try
            {
                var (mw, mh) = decoder.Identify(DatasetPaths.Resolve(dataset.ImagesRoot, path)!);
                if (mw != width || mh != height)
                {
                    problems.Add(image.MasksIn, line, field, $"'{path}' is {mw}x{mh} but its image '{image.RelativePath}' is {width}x{height}.");
                }
            }
            catch (Imaging.ImageDecodeException ex)
            {
                problems.Add(image.MasksIn, line, field, $"'{path}' {ex.Message[(ex.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..]}");
            }
        }
    }

    public static DatasetLayout? Detect(string root)
    {
        if (File.Exists(Path.Combine(root, "images.txt")))
        {
            return DatasetLayout.Cub;
        }
        if (File.Exists(Path.Combine(root, "image_ids.txt")) ||
            File.Exists(Path.Combine(root, "test", "image_ids.txt")) ||
            File.Exists(Path.Combine(root, "train", "image_ids.txt")))
        {
            return DatasetLayout.WsolEvaluation;
        }
        return null;
    }

    private static string TopLevel(string root)
    {
        var names = Directory.EnumerateFileSystemEntries(root)
            .Select(e => Path.GetFileName(e) + (Directory.Exists(e) ? "/" : ""))
            .Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0) return "nothing";
        var shown = names.Take(10).Select(ArchiveExtractor.Show);
        return string.Join(", ", shown) + (names.Count > 10 ? $" and {names.Count - 10} more" : "");
    }

    /// <summary>The folder itself when it is a dataset; otherwise its single sub-folder when that one is.</summary>
    public static string FindRoot(string folder)
    {
        if (Detect(folder) is not null)
        {
            return folder;
        }
        var subs = Directory.GetDirectories(folder).Where(d => !Path.GetFileName(d).StartsWith('.')).ToArray();
        var files = Directory.GetFiles(folder).Where(f => !Path.GetFileName(f).StartsWith('.')).ToArray();
        if (subs.Length == 1 && files.Length == 0 && Detect(subs[0]) is not null)
        {
            return subs[0];
        }
        return folder;
    }
}
