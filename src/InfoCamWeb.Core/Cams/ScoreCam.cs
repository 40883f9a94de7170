namespace InfoCamWeb.Core.Cams;

/// <summary>
/// Score-CAM (Wang et al., CVPR workshops 2020) as pytorch-grad-cam's <c>ScoreCAM</c> computes it: each channel of A is
/// upsampled to the input size (bilinear, corners aligned: <c>UpsamplingBilinear2d</c>), min-max normalised
/// (<c>(u - min) / (max - min + 1e-8)</c>), multiplied into the preprocessed input, and the masked input is run through
/// the whole model; the softmax over channels of the target logits weights the channels, and the map is
/// <c>ReLU(sum_k w_k A[k])</c>. K forward passes per image: the costly member of the family.
/// </summary>
public static class ScoreCam
{
    /// <summary>pytorch-grad-cam's epsilon of the mask normalisation.</summary>
    private const double Epsilon = 1e-8;

    /// <summary>
    /// The channels whose masks run through the model: all of them, or with a cap the <paramref name="cap"/> with the
    /// largest spatial mean activation (ties to the lower index); the others get no weight.
    /// </summary>
    public static int[] Channels(ReadOnlySpan<float> features, int channels, int plane, int? cap)
    {
        if (cap is not int n || n >= channels) return Enumerable.Range(0, channels).ToArray();
        var means = new double[channels];
        for (int k = 0; k < channels; k++)
        {
            double s = 0;
            foreach (var v in features.Slice(k * plane, plane)) s += v;
            means[k] = s / plane;
        }
        return Enumerable.Range(0, channels).OrderByDescending(k => means[k]).ThenBy(k => k).Take(Math.Max(1, n)).Order().ToArray();
    }

    /// <summary>Forward passes a run's Score-CAM adds: one per image and used channel.</summary>
    public static long Passes(int images, int channels, int? cap) => (long)images * Math.Min(channels, cap ?? channels);

    /// <summary>The cost said before a run starts, e.g. "Score-CAM adds 160 x 128 = 20,480 forward passes (128 per image, besides the run's 1)".</summary>
    public static string CostText(int images, int channels, int? cap)
    {
        int used = Math.Min(channels, cap ?? channels);
        var capped = used < channels ? FormattableString.Invariant($"; capped from the model's {channels:N0} channels.") : ".";
        return FormattableString.Invariant(
            $"Score-CAM adds {images:N0} images x {used:N0} channels = {Passes(images, channels, cap):N0} forward passes of the whole model ({used:N0} per image besides the run's one){capped}");
    }

    /// <param name="image">The preprocessed input of the image (3 x S x S).</param>
    /// <param name="logits">Runs a batch of masked inputs (n x 3 x S x S) through the model and returns its logits (n x C).</param>
    public static double[] Compute(
        float[] image, int size, ReadOnlySpan<float> features, int channels, int h, int w, int target,
        int? channelCap, int batch, Func<float[], int, float[]> logits)
    {
        var selected = Channels(features, channels, h * w, channelCap);
        var scores = new double[selected.Length];
        int pixels = size * size;
        var masked = new float[Math.Max(1, batch) * 3 * pixels];
        for (int start = 0; start < selected.Length; start += Math.Max(1, batch))
        {
            int n = Math.Min(Math.Max(1, batch), selected.Length - start);
            for (int i = 0; i < n; i++)
            {
                var mask = Mask(features.Slice(selected[start + i] * h * w, h * w), h, w, size);
                var into = masked.AsSpan(i * 3 * pixels, 3 * pixels);
                for (int c = 0; c < 3; c++)
                {
                    for (int p = 0; p < pixels; p++) into[c * pixels + p] = (float)(image[c * pixels + p] * mask[p]);
                }
            }
            var output = logits(masked, n);
            int classes = output.Length / n;
            for (int i = 0; i < n; i++) scores[start + i] = output[i * classes + target];
        }
        return Weighted(Softmax(scores), selected, features, h, w);
    }

    /// <summary>One channel upsampled to S x S with corners aligned, then normalised to [0, 1).</summary>
    internal static double[] Mask(ReadOnlySpan<float> channel, int h, int w, int size)
    {
        var up = new double[size * size];
        double sy = size > 1 ? (h - 1) / (double)(size - 1) : 0, sx = size > 1 ? (w - 1) / (double)(size - 1) : 0;
        for (int y = 0; y < size; y++)
        {
            double fy = y * sy;
            int y0 = Math.Min((int)fy, h - 1), y1 = Math.Min(y0 + 1, h - 1);
            double dy = fy - y0;
            for (int x = 0; x < size; x++)
            {
                double fx = x * sx;
                int x0 = Math.Min((int)fx, w - 1), x1 = Math.Min(x0 + 1, w - 1);
                double dx = fx - x0;
                double top = channel[y0 * w + x0] * (1 - dx) + channel[y0 * w + x1] * dx;
                double bottom = channel[y1 * w + x0] * (1 - dx) + channel[y1 * w + x1] * dx;
                up[y * size + x] = top * (1 - dy) + bottom * dy;
            }
        }
        double min = up.Min(), max = up.Max();
        for (int p = 0; p < up.Length; p++) up[p] = (up[p] - min) / (max - min + Epsilon);
        return up;
    }

    private static double[] Softmax(double[] scores)
    {
        double max = scores.Max(), sum = 0;
        var weights = new double[scores.Length];
        for (int i = 0; i < scores.Length; i++) sum += weights[i] = Math.Exp(scores[i] - max);
        for (int i = 0; i < scores.Length; i++) weights[i] /= sum;
        return weights;
    }

    private static double[] Weighted(double[] weights, int[] selected, ReadOnlySpan<float> features, int h, int w)
    {
        var all = new double[features.Length / (h * w)];
        for (int i = 0; i < selected.Length; i++) all[selected[i]] = weights[i];
        return CamComputer.Relu(CamComputer.WeightedSum(all, features, h, w));
    }
}
