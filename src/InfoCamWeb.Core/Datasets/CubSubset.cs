using System.Globalization;

namespace InfoCamWeb.Core.Datasets;

/// <summary>
/// A CUB_200_2011 dataset cut down to some of its classes, keeping their ids (class 17 stays 17 and so stays model output
/// 16): each annotation file keeps the lines of the kept images in their order, classes.txt keeps the kept classes, and
/// the images are copied. For smoke tests of a big model on a few classes, and for the subset comparisons in the tests.
/// </summary>
public static class CubSubset
{
    private static readonly string[] ImageFiles = ["images.txt", "image_class_labels.txt", "bounding_boxes.txt", "train_test_split.txt", "image_sizes.txt"];

    /// <summary>Writes the subset to <paramref name="output"/> (which must not exist or be empty) and returns its image count.</summary>
    public static int Write(Dataset source, IReadOnlyCollection<int> classIds, string output)
    {
        if (source.Layout != DatasetLayout.Cub)
        {
            throw new ArgumentException($"{source.Root} is a {source.Layout} folder; only CUB_200_2011 folders (images.txt, classes.txt, ...) can be cut by class.");
        }
        var used = source.Images.Select(i => i.ClassIndex + 1).ToHashSet();
        var unknown = classIds.Where(c => !used.Contains(c)).ToList();
        if (classIds.Count == 0 || unknown.Count > 0)
        {
            var bad = classIds.Count == 0 ? "(none given)" : string.Join(", ", unknown);
            throw new ArgumentException($"--classes: class id(s) {bad} have no image in {source.Root}; it uses {used.Count} class ids from {used.Min()} to {used.Max()}.");
        }
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
        {
            throw new ArgumentException($"--output: {output} exists and is not empty.");
        }
        var kept = source.Images.Where(i => classIds.Contains(i.ClassIndex + 1)).ToList();
        var ids = kept.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        Directory.CreateDirectory(output);
        foreach (var file in ImageFiles.Where(f => File.Exists(Path.Combine(source.Root, f))))
        {
            CopyLines(source.Root, output, file, ids);
        }
        CopyLines(source.Root, output, "classes.txt", classIds.Select(c => c.ToString(CultureInfo.InvariantCulture)).ToHashSet(StringComparer.Ordinal));
        foreach (var image in kept)
        {
            var target = Path.Combine(output, "images", image.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source.ImagePath(image), target);
        }
        return kept.Count;
    }

    /// <summary>The lines of <paramref name="file"/> whose first field is in <paramref name="keys"/>, in their order.</summary>
    private static void CopyLines(string from, string to, string file, IReadOnlySet<string> keys)
    {
        var lines = File.ReadLines(Path.Combine(from, file))
            .Select(l => l.TrimStart('\uFEFF'))
            .Where(l => AnnotationFile.Fields(l) is [var first, ..] && keys.Contains(first));
        File.WriteAllLines(Path.Combine(to, file), lines);
    }
}
