using System.Globalization;
using InfoCamWeb.Core.Datasets;

namespace InfoCamWeb.Cli.Commands;

/// <summary><c>infocam subset</c>: a CUB dataset cut down to some classes, keeping their ids (a smoke test for a big model).</summary>
internal static class SubsetCommand
{
    public static int Run(IEnumerable<string> rawArgs, TextWriter stdout)
    {
        var a = new CliArgs(rawArgs, new HashSet<string>());
        var source = DatasetLoader.Load(a.Required("dataset"));
        var classes = ParseIds(a.Required("classes"));
        var output = a.Required("output");
        a.EnsureAllUsed();
        int images = CubSubset.Write(source, classes, output);
        stdout.WriteLine($"{images} images of classes {string.Join(", ", classes)} written to {output}; class ids are kept, so a model trained on the whole dataset evaluates them as they are.");
        return 0;
    }

    private static List<int> ParseIds(string text) => text.Split(',').Select(part =>
        int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int id) && id > 0
            ? id
            : throw new UsageException($"--classes: '{part.Trim()}' is not a class id (a positive integer, as in classes.txt).")).Distinct().ToList();
}
