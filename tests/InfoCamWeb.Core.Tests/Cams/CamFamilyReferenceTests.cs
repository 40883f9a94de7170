using System.Text.Json;
using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Inference;
using InfoCamWeb.Core.Models;
using InfoCamWeb.Core.Tests.Models;

namespace InfoCamWeb.Core.Tests.Cams;

/// <summary>
/// The CAM family against tools/reference_family.py: PyTorch models run with hooks, real autograd gradients of the
/// target score with respect to the last feature map, and each method computed from activations and gradients the way
/// pytorch-grad-cam does (.ci/run writes the references to artifacts/zoo/family). The engine runs the ONNX export of
/// the same model on the same input tensors and computes every map from A and the classifier weights alone.
/// </summary>
public class CamFamilyReferenceTests
{
    /// <summary>Largest |ours - reference| over the reference map's largest |value| (maps before quantisation).</summary>
    private const double Tolerance = 1e-5;

    private static readonly CamMethod[] Family = CamMethods.Every.Where(m => m.Group() == CamGroup.Family).ToArray();

    [SkippableTheory]
    [InlineData("demo-cnn")]
    [InlineData("resnet18")]
    [InlineData("mobilenet_v2")]
    public void Every_family_map_equals_the_autograd_reference(string name)
    {
        var folder = Path.Combine(ModelZooTests.Zoo, "family");
        var file = Path.Combine(folder, name + "-family.json");
        Skip.IfNot(File.Exists(file), $"{file} is missing: run /usr/bin/python3 tools/reference_family.py artifacts/zoo/family (needs Debian's python3-torch)");
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        var root = json.RootElement;
        var model = ModelLoader.Load(Path.GetFullPath(Path.Combine(folder, root.GetProperty("onnx").GetString()!)));
        int count = root.GetProperty("count").GetInt32(), size = root.GetProperty("size").GetInt32();
        var input = ReadFloats(Path.Combine(folder, root.GetProperty("inputs").GetString()!), count * 3 * size * size);
        using var engine = new InferenceEngine(model, ProviderChoice.Cpu);
        var output = engine.Run(input, count, size);

        var worst = new List<string>();
        int i = 0, scoreCams = 0;
        foreach (var item in root.GetProperty("items").EnumerateArray())
        {
            int target = item.GetProperty("target").GetInt32();
            Assert.Equal(item.GetProperty("height").GetInt32(), output.Height);
            Assert.Equal(item.GetProperty("width").GetInt32(), output.Width);
            foreach (var method in Family)
            {
                var expected = item.GetProperty("maps").GetProperty(method.Key()).EnumerateArray().Select(v => v.GetDouble()).ToArray();
                var actual = CamComputer.Compute(method, model.Head.Classifier, output.FeaturesOf(i), output.Height, output.Width, target, output.LogitsOf(i), window: 4);
                double error = RelativeError(actual, expected);
                if (!(error <= Tolerance)) worst.Add($"image {i} {method.DisplayName()}: relative difference {error:G3}");
            }
            if (item.GetProperty("maps").TryGetProperty("scorecam", out var score))
            {
                var expected = score.EnumerateArray().Select(v => v.GetDouble()).ToArray();
                var image = input.AsSpan(i * 3 * size * size, 3 * size * size).ToArray();
                var actual = ScoreCam.Compute(image, size, output.FeaturesOf(i), output.Channels, output.Height, output.Width, target,
                    channelCap: null, batch: 32, (x, n) => engine.Run(x, n, size).Logits);
                scoreCams++;
                double error = RelativeError(actual, expected);
                if (!(error <= Tolerance)) worst.Add($"image {i} Score-CAM: relative difference {error:G3}");
            }
            i++;
        }
        Assert.True(worst.Count == 0, string.Join("\n", worst));
        Assert.True(scoreCams > 0, "The reference has no Score-CAM map: run tools/reference_family.py again.");
    }

    internal static double RelativeError(double[] actual, double[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs), diff = 0;
        for (int p = 0; p < expected.Length; p++) diff = Math.Max(diff, Math.Abs(actual[p] - expected[p]));
        return scale == 0 ? diff : diff / scale;
    }

    private static float[] ReadFloats(string path, int count)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(count * sizeof(float), bytes.Length);
        var values = new float[count];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }
}
