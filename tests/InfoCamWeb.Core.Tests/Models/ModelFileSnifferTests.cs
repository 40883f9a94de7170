using System.IO.Compression;
using InfoCamWeb.Core.Models;

namespace InfoCamWeb.Core.Tests.Models;

public class ModelFileSnifferTests
{
    private static byte[] Zip(params string[] entries)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var e in entries)
            {
                using var w = new StreamWriter(zip.CreateEntry(e).Open());
                w.Write("x");
            }
        }
        return memory.ToArray();
    }

    private static string? Sniff(byte[] file) => ModelFileSniffer.Refusal(file.AsSpan(0, Math.Min(file.Length, ModelFileSniffer.HeadBytes)));

    [Fact]
    public void A_pytorch_zip_checkpoint_is_refused_with_the_export_call()
    {
        // torch.save writes a zip whose entries sit under the archive's name: archive/data.pkl, archive/data/0, ...
        var message = Sniff(Zip("archive/data.pkl", "archive/data/0", "archive/version"));
        Assert.StartsWith("The file is a zip archive — what torch.save writes for a PyTorch checkpoint (.pt, .pth) — not an ONNX model.", message);
        Assert.Contains("torch.onnx.export(model.eval(), torch.randn(1, 3, 224, 224), \"model.onnx\", opset_version=17", message);
    }

    [Fact]
    public void A_legacy_pickle_checkpoint_is_refused_with_the_export_call()
    {
        var message = Sniff([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8]);
        Assert.StartsWith("The file is a Python pickle", message);
        Assert.Contains("torch.onnx.export", message);
    }

    [Fact]
    public void Keras_files_are_refused_with_the_tf2onnx_conversion()
    {
        Assert.StartsWith("The file is a Keras 3 .keras archive", Sniff(Zip("metadata.json", "config.json", "model.weights.h5")));
        var h5 = Sniff([0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1a, (byte)'\n', 0, 0, 0, 0]);
        Assert.StartsWith("The file is an HDF5 file — a Keras .h5 model", h5);
        Assert.Contains("tf2onnx.convert.from_keras", h5);
        Assert.StartsWith("The file is a TensorFlow Lite model", Sniff([0x1c, 0, 0, 0, (byte)'T', (byte)'F', (byte)'L', (byte)'3', 0, 0]));
    }

    [Fact]
    public void Images_are_named_and_real_onnx_models_pass()
    {
        Assert.Equal("The file is a JPEG image, not an ONNX model.", Sniff([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]));
        Assert.Equal("The file is a PNG image, not an ONNX model.", Sniff([0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10]));
        Assert.Null(Sniff(File.ReadAllBytes(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-model", "demo-cnn.onnx"))));
        Assert.Null(Sniff(File.ReadAllBytes(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-model", "bench-200.onnx"))));
    }

    [SkippableTheory]
    [InlineData("resnet18.pt", "The file is a zip archive")]
    [InlineData("resnet18-legacy.pth", "The file is a Python pickle")]
    public void Checkpoints_written_by_torch_save_itself_are_recognised(string file, string start)
    {
        var path = Path.Combine(ModelZooTests.Zoo, file);
        Skip.IfNot(File.Exists(path), $"{path} is missing: run /usr/bin/python3 tools/export_zoo.py artifacts/zoo (needs Debian's python3-torch)");
        var message = Sniff(File.ReadAllBytes(path));
        Assert.StartsWith(start, message);
        Assert.Contains("torch.onnx.export", message);
    }
}
