using System.Text.Json;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Inference;
using InfoCamWeb.Core.Models;

namespace InfoCamWeb.Worker.Inspection;

/// <summary>
/// <c>InfoCamWeb.Worker inspect --model M.onnx [--feature-tensor T --classifier-weight W [--classifier-bias B]]</c>:
/// loads and probes one uploaded model in this short-lived process (ONNX Runtime never runs in the web server) and
/// writes an <see cref="InspectionReport"/> as JSON on standard output. Exit code 0 for both verdicts.
/// </summary>
public static class InspectMode
{
    public static int Run(IReadOnlyList<string> args, TextWriter stdout)
    {
        string? Option(string name)
        {
            int i = args.ToList().IndexOf("--" + name);
            return i >= 0 && i + 1 < args.Count ? args[i + 1] : null;
        }
        var path = Option("model") ?? throw new ArgumentException("inspect needs --model PATH.");
        var overrides = Option("feature-tensor") is null && Option("classifier-weight") is null ? null : new HeadOverrides
        {
            FeatureTensor = Option("feature-tensor"),
            WeightInitializer = Option("classifier-weight"),
            BiasInitializer = Option("classifier-bias"),
        };
        stdout.WriteLine(JsonSerializer.Serialize(Inspect(path, overrides)));
        return 0;
    }

    private static InspectionReport Inspect(string path, HeadOverrides? overrides)
    {
        try
        {
            return new InspectionReport(ModelSummary.From(ModelLoader.Load(path, overrides)), null);
        }
        catch (Exception ex) when (ex is ModelException or EvaluationException or ProviderUnavailableException or ImageDecodeException
                                       or FormatException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            return new InspectionReport(null, OrtMessages.Clean(ex.Message));
        }
    }
}
