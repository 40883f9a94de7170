using System.Buffers.Binary;
using System.Text;

namespace InfoCamWeb.Core.Models;

/// <summary>
/// Recognises the files people upload instead of an ONNX model — a PyTorch checkpoint, a Keras or TensorFlow Lite model,
/// an image — from their first bytes, and says how to export an ONNX model instead. ONNX itself has no magic number
/// (it is a protobuf), so a file none of these match goes on to the ONNX parser.
/// </summary>
public static class ModelFileSniffer
{
    // 0x89 is not ASCII: written as bytes (a u8 literal would encode it as two).
    private static ReadOnlySpan<byte> Png => [0x89, (byte)'P', (byte)'N', (byte)'G'];
    private static ReadOnlySpan<byte> Hdf5 => [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1a, (byte)'\n'];

    /// <summary>Bytes enough to tell every kind below apart (a zip's first entry name included).</summary>
    public const int HeadBytes = 512;

    public const string TorchExport =
        "Export it from PyTorch: torch.onnx.export(model.eval(), torch.randn(1, 3, 224, 224), \"model.onnx\", opset_version=17, " +
        "input_names=[\"input\"], dynamic_axes={\"input\": {0: \"batch\"}}), then upload model.onnx.";

    public const string KerasExport =
        "Convert it with tf2onnx: tf2onnx.convert.from_keras(model, opset=17, output_path=\"model.onnx\") in Python, " +
        "or python -m tf2onnx.convert --saved-model DIR --opset 17 --output model.onnx for a SavedModel; then upload model.onnx.";

    /// <summary>Why the file is not an ONNX model, with what to do; null when its head could be one.</summary>
    public static string? Refusal(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("PK\u0003\u0004"u8)) return ZipRefusal(head);
        if (head.Length >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5)
        {
            return "The file is a Python pickle — a PyTorch checkpoint in the legacy torch.save format — not an ONNX model. " + TorchExport;
        }
        if (head.StartsWith(Hdf5)) return "The file is an HDF5 file — a Keras .h5 model — not an ONNX model. " + KerasExport;
        if (head.Length >= 8 && head[4..8].SequenceEqual("TFL3"u8))
        {
            return "The file is a TensorFlow Lite model, not an ONNX model. Convert it with python -m tf2onnx.convert --tflite model.tflite --opset 17 --output model.onnx, then upload model.onnx.";
        }
        if (head.StartsWith(Png)) return "The file is a PNG image, not an ONNX model.";
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "The file is a JPEG image, not an ONNX model.";
        return null;
    }

    /// <summary>A zip is a PyTorch checkpoint (entries under "archive/" or "NAME/data.pkl") or a Keras 3 ".keras" model.</summary>
    private static string ZipRefusal(ReadOnlySpan<byte> head)
    {
        var first = FirstEntryName(head) ?? "";
        bool keras = first is "metadata.json" or "config.json" or "model.weights.h5";
        return keras
            ? "The file is a Keras 3 .keras archive, not an ONNX model. " + KerasExport
            : "The file is a zip archive — what torch.save writes for a PyTorch checkpoint (.pt, .pth) — not an ONNX model. " + TorchExport;
    }

    /// <summary>The name in the zip's first local file header (offset 26: name length, 28: extra length, 30: name).</summary>
    private static string? FirstEntryName(ReadOnlySpan<byte> head)
    {
        if (head.Length < 30) return null;
        int length = BinaryPrimitives.ReadUInt16LittleEndian(head[26..]);
        return head.Length < 30 + length ? null : Encoding.UTF8.GetString(head.Slice(30, length));
    }
}
