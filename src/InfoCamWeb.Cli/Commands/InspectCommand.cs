using InfoCamWeb.Core.Models;

namespace InfoCamWeb.Cli.Commands;

/// <summary><c>infocam inspect</c>: what the engine finds in a model.</summary>
internal static class InspectCommand
{
    public static int Run(IEnumerable<string> rawArgs, TextWriter stdout)
    {
        var a = new CliArgs(rawArgs, new HashSet<string> { "json" });
        var path = a.Required("model");
        var overrides = CliApp.Overrides(a);
        bool json = a.Flag("json");
        a.EnsureAllUsed();
        var m = ModelLoader.Load(path, overrides);
        var h = m.Head;
        if (json)
        {
            stdout.WriteLine(System.Text.Json.JsonSerializer.Serialize(ModelSummary.From(m)));
            return 0;
        }
        stdout.WriteLine($"model          {m.Path}");
        stdout.WriteLine($"sha256         {m.Sha256}");
        stdout.WriteLine($"producer       {m.Producer}, opset {m.Opset}");
        stdout.WriteLine($"input          '{h.InputName}' {h.InputShapeText} ({(h.DynamicBatch ? "dynamic batch" : "batch 1")})");
        stdout.WriteLine($"head           {h.Pattern}");
        stdout.WriteLine($"feature tensor '{h.FeatureTensor}' {h.FeatureShapeText}");
        stdout.WriteLine($"classifier     {h.Classes} classes x {h.Channels} channels from {h.WeightSource}");
        stdout.WriteLine($"logits         '{h.LogitsTensor}' (rebuilt classifier matches within {h.ProbeMaxLogitError:G3})");
        return 0;
    }
}
