using InfoCamWeb.Core.Datasets;

namespace InfoCamWeb.Cli.Commands;

/// <summary><c>infocam make-demo</c>: the seeded demo dataset, or a full-size CUB-geometry dataset for benchmarks.</summary>
internal static class MakeDemoCommand
{
    public static int Run(IEnumerable<string> rawArgs, TextWriter stdout)
    {
        var a = new CliArgs(rawArgs, new HashSet<string> { "masks", "imagenet" });
        var output = a.Required("output");
        if (a.Flag("imagenet"))
        {
            int images = a.Int("images", 50_000), classes = a.Int("classes", 1000);
            int shapedSeed = a.Int("seed", 11);
            a.EnsureAllUsed();
            if (images < 1 || images > 2_000_000) throw new UsageException("--images must be between 1 and 2000000.");
            if (classes < 2 || classes > Dataset.MaxClasses) throw new UsageException($"--classes must be between 2 and {Dataset.MaxClasses}.");
            int written = DemoDataset.WriteImageNetShaped(output, images, classes, shapedSeed);
            stdout.WriteLine($"wrote {written} images ({images} test, {classes} train) in wsolevaluation (ImageNet) layout to {output}");
            return 0;
        }
        if (a.Flag("masks"))
        {
            int perMaskClass = a.Int("per-class", 20);
            int maskSeed = a.Int("seed", 30);
            a.EnsureAllUsed();
            if (perMaskClass < 4 || perMaskClass > 10_000) throw new UsageException("--per-class must be between 4 and 10000.");
            int written = DemoDataset.WriteMaskDemo(output, perMaskClass, maskSeed);
            stdout.WriteLine($"wrote {written} images with instance and ignore masks in wsolevaluation (OpenImages) layout to {output}");
            return 0;
        }
        var geometry = a.Get("cub-geometry");
        int seed = a.Int("seed", geometry is null ? 2024 : 7);
        int count;
        if (geometry is null)
        {
            int perClass = a.Int("per-class", 40);
            a.EnsureAllUsed();
            if (perClass < 2 || perClass > 10_000) throw new UsageException("--per-class must be between 2 and 10000.");
            count = DemoDataset.WriteDemo(output, perClass, seed);
        }
        else
        {
            var split = Dataset.ParseSplit(a.Get("split") ?? "test");
            int? limit = a.Get("limit") is null ? null : a.Int("limit", 0);
            a.EnsureAllUsed();
            count = DemoDataset.WriteCubGeometry(geometry, output, split, seed, limit: limit);
        }
        stdout.WriteLine($"wrote {count} images in CUB_200_2011 layout to {output}");
        return 0;
    }
}
