namespace InfoCamWeb.Core.Datasets;

public enum DatasetSplit
{
    Test,
    Train,
    All,

    /// <summary>wsolevaluation's <c>val/</c> folder (e.g. CUBV2's val, for choosing hyperparameters); CUB folders have none.</summary>
    Val,
}

public enum DatasetLayout
{
    /// <summary>CUB_200_2011: images.txt, image_class_labels.txt, bounding_boxes.txt, train_test_split.txt, classes.txt, images/.</summary>
    Cub,

    /// <summary>wsolevaluation metadata: [split/]image_ids.txt, class_labels.txt, image_sizes.txt, localization.txt.</summary>
    WsolEvaluation,
}

/// <summary>A ground-truth box in original image pixels, <c>(x0, y0, x1, y1)</c>.</summary>
public readonly record struct GroundTruthBox(double X0, double Y0, double X1, double Y1);

/// <summary>One annotated image. <see cref="ClassIndex"/> is the model output index; <see cref="ClassLabel"/> is how the dataset names it.</summary>
public sealed record ImageRecord(
    string Id,
    string RelativePath,
    int ClassIndex,
    bool IsTrain,
    bool IsTest,
    int? Width,
    int? Height,
    IReadOnlyList<GroundTruthBox> Boxes,
    string SizeSource)
{
    /// <summary>Where the image is listed (images.txt or [split/]image_ids.txt) and on which line, for error messages.</summary>
    public string ListedIn { get; init; } = "";

    /// <summary>Listed in wsolevaluation's <c>val/</c> folder.</summary>
    public bool IsVal { get; init; }

    public int ListedLine { get; init; }

    public string Where => ListedLine > 0 ? $"{ListedIn}, line {ListedLine}" : ListedIn;
}

/// <summary>An annotated dataset, read and validated; images stay on disk until evaluation streams them.</summary>
public sealed class Dataset
{
    public Dataset(string root, string imagesRoot, DatasetLayout layout, IReadOnlyList<string> classLabels,
        IReadOnlyList<string> classNames, IReadOnlyList<ImageRecord> images)
    {
        Root = root;
        ImagesRoot = imagesRoot;
        Layout = layout;
        ClassLabels = classLabels;
        ClassNames = classNames;
        Images = images;
    }

    /// <summary>The folder holding the annotation files.</summary>
    public string Root { get; }

    /// <summary>The folder image paths are relative to.</summary>
    public string ImagesRoot { get; }

    public DatasetLayout Layout { get; }

    /// <summary>Label of each class as the dataset writes it (CUB: 1-based ids; wsolevaluation: 0-based), index = model output.</summary>
    public IReadOnlyList<string> ClassLabels { get; }

    /// <summary>Human-readable class names (CUB's classes.txt; the label itself otherwise).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    public int ClassCount => ClassLabels.Count;

    public IReadOnlyList<ImageRecord> Images { get; }

    public IReadOnlyList<ImageRecord> Select(DatasetSplit split) => split switch
    {
        DatasetSplit.Test => Images.Where(i => i.IsTest).ToList(),
        DatasetSplit.Train => Images.Where(i => i.IsTrain).ToList(),
        DatasetSplit.All => Images,
        DatasetSplit.Val => Images.Where(i => i.IsVal).ToList(),
        _ => throw new ArgumentOutOfRangeException(nameof(split)),
    };

    /// <summary>Class priors <c>p_c</c> from the training split, or null when the dataset has no training images.</summary>
    public double[]? TrainPriors()
    {
        var counts = new double[ClassCount];
        int n = 0;
        foreach (var img in Images)
        {
            if (img.IsTrain)
            {
                counts[img.ClassIndex]++;
                n++;
            }
        }
        if (n == 0)
        {
            return null;
        }
        for (int c = 0; c < counts.Length; c++)
        {
            counts[c] /= n;
        }
        return counts;
    }

    /// <summary>Full path of an image, checked to lie under <see cref="ImagesRoot"/>.</summary>
    public string ImagePath(ImageRecord image) => DatasetPaths.Resolve(ImagesRoot, image.RelativePath)
        ?? throw new InvalidOperationException($"Image path '{image.RelativePath}' escapes the dataset folder.");

    public static DatasetSplit ParseSplit(string text) => text.Trim().ToLowerInvariant() switch
    {
        "test" => DatasetSplit.Test,
        "train" => DatasetSplit.Train,
        "all" => DatasetSplit.All,
        "val" => DatasetSplit.Val,
        _ => throw new FormatException($"Unknown split '{text}': expected test, train, val or all."),
    };
}

internal static class DatasetPaths
{
    /// <summary>Why a relative path from an annotation file is unacceptable, or null when it is fine.</summary>
    public static string? Check(string path)
    {
        if (path.Length == 0) return "is empty";
        if (path.Contains('\\')) return "contains a backslash; use '/' between folders";
        if (path.Contains('\0')) return "contains a NUL character";
        if (path.StartsWith('/') || Path.IsPathRooted(path) || (path.Length > 1 && path[1] == ':')) return "is an absolute path";
        foreach (var seg in path.Split('/'))
        {
            if (seg is ".." or "." || seg.Length == 0) return "has an empty, '.' or '..' segment";
        }
        if (path.Any(char.IsControl)) return "contains a control character";
        return null;
    }

    /// <summary>Resolves under the root, or null when the result would leave it.</summary>
    public static string? Resolve(string root, string relative)
    {
        if (Check(relative) is not null) return null;
        var full = Path.GetFullPath(Path.Combine(root, relative));
        var rootFull = Path.GetFullPath(root);
        if (!rootFull.EndsWith(Path.DirectorySeparatorChar)) rootFull += Path.DirectorySeparatorChar;
        return full.StartsWith(rootFull, StringComparison.Ordinal) ? full : null;
    }
}
