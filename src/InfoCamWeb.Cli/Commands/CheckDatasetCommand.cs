using InfoCamWeb.Core.Datasets;

namespace InfoCamWeb.Cli.Commands;

/// <summary><c>infocam check-dataset</c>: reads and validates a dataset; lists every problem (the first 100).</summary>
internal static class CheckDatasetCommand
{
    public static int Run(IEnumerable<string> rawArgs, TextWriter stdout)
    {
        var a = new CliArgs(rawArgs, new HashSet<string>());
        var path = a.Required("dataset");
        a.EnsureAllUsed();
        Dataset ds;
        try
        {
            ds = DatasetLoader.Load(path);
        }
        catch (DatasetException ex) when (ex.TotalProblems > 1)
        {
            stdout.WriteLine(ex.Message);
            return 2;
        }
        stdout.WriteLine($"{ds.Layout} dataset at {ds.Root}");
        stdout.WriteLine($"{ds.Images.Count} images of {ds.ClassesUsed(DatasetSplit.All)} classes (labels {ds.LabelOf(0)}..{ds.LabelOf(ds.ClassCount - 1)}, so a model needs at least {ds.ClassCount} outputs); " +
            $"test {ds.Select(DatasetSplit.Test).Count}, train {ds.Select(DatasetSplit.Train).Count}, val {ds.Select(DatasetSplit.Val).Count}");
        stdout.WriteLine(ds.HasMasks
            ? $"{ds.Images.Sum(i => i.Masks.Count)} instance masks and {ds.Images.Count(i => i.IgnoreMask is not null)} ignore masks (PxAP); image sizes from " +
              (ds.Images.All(i => i.Width is not null) ? "image_sizes.txt" : "the image headers")
            : $"{ds.Images.Sum(i => i.Boxes.Count)} boxes; image sizes from {(ds.Images.All(i => i.Width is not null) ? "image_sizes.txt" : "the image headers")}");
        return 0;
    }
}
