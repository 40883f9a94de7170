using InfoCamWeb.Core.Models;

namespace InfoCamWeb.Core.Tests.Models;

/// <summary>
/// Real exports: torchvision models through torch.onnx.export (tools/export_zoo.py writes them to artifacts/zoo; .ci/run
/// does so before the tests) and the CNTK-exported ResNet-18 backbone from the Microsoft.ML.DnnImageFeaturizer.ResNet18 package.
/// </summary>
public class ModelZooTests
{
    internal static string Zoo => Environment.GetEnvironmentVariable("INFOCAM_ZOO") is { Length: > 0 } z
        ? z : Path.Combine(Fixtures.RepoRoot, "artifacts", "zoo");

    [SkippableTheory]
    [InlineData("resnet18", 512, 7)]
    [InlineData("resnet50", 2048, 7)]
    [InlineData("vgg16gap", 512, 7)]
    [InlineData("mobilenet_v2", 1280, 7)]
    [InlineData("densenet121", 1024, 7)]
    public void Torchvision_exports_are_recognised_with_static_and_dynamic_batch(string name, int channels, int spatial)
    {
        foreach (var batch in new[] { "static", "dynamic" })
        {
            var path = Path.Combine(Zoo, $"{name}-{batch}.onnx");
            Skip.IfNot(File.Exists(path), $"{path} is missing: run /usr/bin/python3 tools/export_zoo.py artifacts/zoo (needs Debian's python3-torch)");
            var model = ModelLoader.Load(path);
            Assert.Equal(200, model.Head.Classes);
            Assert.Equal(channels, model.Head.Channels);
            Assert.Equal(spatial, model.Head.FeatureShape[2]);
            Assert.Equal(batch == "dynamic", model.Head.DynamicBatch);
            Assert.Contains("Gemm(transB=1)", model.Head.Pattern);
        }
    }

    [SkippableFact]
    public void The_cntk_resnet18_featurizer_is_refused_as_a_backbone_without_classifier()
    {
        var path = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1", "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");
        Skip.IfNot(File.Exists(path), $"{path} is missing (restored by the test project's PackageDownload)");
        var ex = Assert.Throws<ModelException>(() => ModelLoader.Load(path));
        Assert.Contains("no classifier after it: it looks like a feature extractor (backbone)", ex.Message);
        Assert.Contains("Relu", ex.Message);
    }
}
