using System.Buffers;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Imaging;

/// <summary>How an image is brought to the S x S evaluation frame (docs/wsol-protocol.md, "Ground truth").</summary>
public enum EvaluationProtocol
{
    /// <summary>Resize to S x S, aspect not kept (default).</summary>
    Resize224,

    /// <summary>Resize to 256/224 S, centre crop S (ADL and the official infoCAM training code).</summary>
    Resize256Crop224,
}

/// <summary>Per-model preprocessing: input size, channel mean/std (ImageNet by default) and channel order.</summary>
public sealed record Preprocessing(int InputSize, float[] Mean, float[] Std, bool Bgr = false)
{
    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    public static Preprocessing ImageNet(int inputSize = 224) => new(inputSize, ImageNetMean, ImageNetStd);

    public override string ToString() =>
        $"{InputSize}x{InputSize}, mean {string.Join(",", Mean)}, std {string.Join(",", Std)}, {(Bgr ? "BGR" : "RGB")}";
}

/// <summary>Turns decoded images into normalised CHW float tensors and maps ground-truth boxes into the same frame.</summary>
public static class Preprocessor
{
    public static EvaluationProtocol ParseProtocol(string text) => text.Trim().ToLowerInvariant() switch
    {
        "resize224" or "resize" => EvaluationProtocol.Resize224,
        "resize256crop224" or "crop" => EvaluationProtocol.Resize256Crop224,
        _ => throw new FormatException($"Unknown protocol '{text}': expected resize224 or resize256crop224."),
    };

    public static string Key(this EvaluationProtocol p) => p == EvaluationProtocol.Resize224 ? "resize224" : "resize256crop224";

    /// <summary>Resize side before the centre crop: 256 for S = 224.</summary>
    public static int CropResize(int size) => (int)Math.Round(size * 256.0 / 224.0);

    /// <summary>The S x S RGB image the model sees (before normalisation).</summary>
    /// <param name="pool">Where the frame's pixels come from (the caller returns them); new arrays without one.</param>
    public static RgbImage ToFrame(RgbImage image, int size, EvaluationProtocol protocol, ArrayPool<byte>? pool = null)
    {
        if (protocol == EvaluationProtocol.Resize224)
        {
            return PilResize.Resize(image, size, size, pool);
        }
        int big = CropResize(size);
        var resized = PilResize.Resize(image, big, big, ArrayPool<byte>.Shared);
        int offset = (int)Math.Round((big - size) / 2.0, MidpointRounding.ToEven);
        var crop = pool?.Rent(size * size * 3) ?? new byte[size * size * 3];
        for (int y = 0; y < size; y++)
        {
            Buffer.BlockCopy(resized.Pixels, ((y + offset) * big + offset) * 3, crop, y * size * 3, size * 3);
        }
        resized.Release();
        return new RgbImage(size, size, crop) { Pool = pool };
    }

    /// <summary>Writes <c>(pixel / 255 - mean) / std</c> as CHW float32 into <paramref name="tensor"/> (3 x S x S).</summary>
    public static unsafe void Normalize(RgbImage frame, Preprocessing pre, Span<float> tensor)
    {
        int plane = frame.Width * frame.Height;
        if (tensor.Length < plane * 3)
        {
            throw new ArgumentException("Tensor is smaller than 3 x S x S.", nameof(tensor));
        }
        // One table per tensor channel, indexed by the byte value of the pixel channel it reads (BGR swaps them).
        float* luts = stackalloc float[3 * 256];
        for (int c = 0; c < 3; c++)
        {
            int src = pre.Bgr ? 2 - c : c;
            float mean = pre.Mean[c], std = pre.Std[c];
            // Same float arithmetic as torchvision (x / 255, then (x - mean) / std), once per byte value.
            for (int v = 0; v < 256; v++)
            {
                luts[src * 256 + v] = (v / 255f - mean) / std;
            }
        }
        int dst0 = pre.Bgr ? 2 * plane : 0, dst2 = pre.Bgr ? 0 : 2 * plane;
        fixed (byte* px = frame.Pixels)
        fixed (float* t = tensor)
        {
            // Each pixel read once: its three bytes go to their three planes.
            float* d0 = t + dst0, d1 = t + plane, d2 = t + dst2;
            byte* p = px;
            for (int i = 0; i < plane; i++, p += 3)
            {
                d0[i] = luts[p[0]];
                d1[i] = luts[256 + p[1]];
                d2[i] = luts[512 + p[2]];
            }
        }
    }

    /// <summary>
    /// Maps a ground-truth box to the S x S frame: <c>(int)(v * S / W)</c> for resize224; for the crop protocol
    /// <c>(int)(v * R / W) - offset</c> clipped to <c>[0, S-1]</c>.
    /// </summary>
    public static Box MapBox(GroundTruthBox box, int width, int height, int size, EvaluationProtocol protocol)
    {
        if (protocol == EvaluationProtocol.Resize224)
        {
            return new Box(
                (int)(box.X0 * size / width), (int)(box.Y0 * size / height),
                (int)(box.X1 * size / width), (int)(box.Y1 * size / height));
        }
        int big = CropResize(size);
        int offset = (int)Math.Round((big - size) / 2.0, MidpointRounding.ToEven);
        int Map(double v, int extent) => Math.Clamp((int)(v * big / extent) - offset, 0, size - 1);
        return new Box(Map(box.X0, width), Map(box.Y0, height), Map(box.X1, width), Map(box.Y1, height));
    }
}
