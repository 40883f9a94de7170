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

    /// <summary>The file and line that give the image's class label (image_class_labels.txt or [split/]class_labels.txt).</summary>
    public string LabelWhere { get; init; } = "";

    public string Where => ListedLine > 0 ? $"{ListedIn}, line {ListedLine}" : ListedIn;

    /// <summary>Instance mask PNGs (OpenImages in wsolevaluation metadata), relative to the images folder; empty for box datasets.</summary>
    public IReadOnlyList<string> Masks { get; init; } = [];

    /// <summary>The line of each of <see cref="Masks"/> in <see cref="MasksIn"/>.</summary>
    public IReadOnlyList<int> MaskLines { get; init; } = [];

    /// <summary>The ignore mask (pixels left out of PxAP), or null when the image has none.</summary>
    public string? IgnoreMask { get; init; }

    /// <summary>The annotation file of the masks ([split/]localization.txt).</summary>
    public string MasksIn { get; init; } = "";

    /// <summary>The annotation file of the boxes (bounding_boxes.txt or [split/]localization.txt).</summary>
    public string BoxesIn { get; init; } = "";

    /// <summary>The line of each of <see cref="Boxes"/> in <see cref="BoxesIn"/> (empty for images made in code).</summary>
    public IReadOnlyList<int> BoxLines { get; init; } = [];

    /// <summary>
    /// The first box wholly outside a <paramref name="width"/> x <paramref name="height"/> image (its corner at or past the
    /// right or bottom edge; corners are never negative), by file and line; null when every box touches the image.
    /// </summary>
    public DatasetProblem? OutsideBox(int width, int height)
    {
        for (int i = 0; i < Boxes.Count; i++)
        {
            var b = Boxes[i];
            if (b.X0 >= width || b.Y0 >= height)
            {
                bool cub = BoxesIn == "bounding_boxes.txt";
                string field = b.X0 >= width ? (cub ? "x" : "x0") : (cub ? "y" : "y0");
                return new DatasetProblem(BoxesIn, i < BoxLines.Count ? BoxLines[i] : 0, field,
                    $"the box starts outside the {width}x{height} image '{RelativePath}' (size from its header).");
            }
        }
        return null;
    }
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

    /// <summary>The largest class id (CUB) or label (wsolevaluation) a dataset may use; ImageNet-21k fits.</summary>
    public const int MaxClasses = 100_000;

    /// <summary>The folder holding the annotation files.</summary>
    public string Root { get; }

    /// <summary>The folder image paths are relative to.</summary>
    public string ImagesRoot { get; }

    public DatasetLayout Layout { get; }

    /// <summary>Label of each class as the dataset writes it (CUB: 1-based ids; wsolevaluation: 0-based), index = model output.</summary>
    public IReadOnlyList<string> ClassLabels { get; }

    /// <summary>Human-readable class names (CUB's classes.txt; the label itself otherwise).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The largest class index the annotations can name, plus one (CUB: the largest id in classes.txt; wsolevaluation: the largest label + 1).</summary>
    public int ClassCount => ClassLabels.Count;

    /// <summary>How the dataset labels model output <paramref name="output"/>, also for outputs beyond its own classes (a model with more classes).</summary>
    public string LabelOf(int output) => output < ClassLabels.Count ? ClassLabels[output] : OutputLabel(output);

    /// <summary>The name of model output <paramref name="output"/>: the dataset's name where it has one, else the label.</summary>
    public string NameOf(int output) => output < ClassNames.Count ? ClassNames[output] : OutputLabel(output);

    private string OutputLabel(int output) =>
        (Layout == DatasetLayout.Cub ? output + 1 : output).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Ground truth as instance masks (OpenImages30k in wsolevaluation metadata: PxAP) rather than boxes.</summary>
    public bool HasMasks => Images.Count > 0 && Images[0].Masks.Count > 0;

    /// <summary>How many distinct classes the images of <paramref name="split"/> use.</summary>
    public int ClassesUsed(DatasetSplit split) => Select(split).Select(i => i.ClassIndex).Distinct().Count();

    public IReadOnlyList<ImageRecord> Images { get; }

    public IReadOnlyList<ImageRecord> Select(DatasetSplit split) => split switch
    {
        DatasetSplit.Test => Images.Where(i => i.IsTest).ToList(),
        DatasetSplit.Train => Images.Where(i => i.IsTrain).ToList(),
        DatasetSplit.All => Images,
        DatasetSplit.Val => Images.Where(i => i.IsVal).ToList(),
        _ => throw new ArgumentOutOfRangeException(nameof(split)),
    };

    /// <summary>
    /// Class priors <c>p_c</c> over the model's <paramref name="outputs"/> from the training split (0 for a class it does not use),
    /// or null when the dataset has no training images.
    /// </summary>
    public double[]? TrainPriors(int outputs)
    {
        var counts = new double[outputs];
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
