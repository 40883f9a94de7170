namespace InfoCamWeb.Core.Cams;

/// <summary>
/// Score maps at feature resolution, exactly as docs/wsol-protocol.md defines them. Pure functions over
/// one image's feature map <c>A</c> (K x h x w, row-major).
/// </summary>
public static class CamComputer
{
    /// <summary>Size of the map a method produces from an h x w feature map.</summary>
    public static (int Height, int Width) MapSize(CamMethod method, int h, int w, int window) =>
        method is CamMethod.InfoCam or CamMethod.InfoCamPlus ? (h + window - 1, w + window - 1) : (h, w);

    /// <summary>Computes the map of <paramref name="method"/> for target class <paramref name="target"/>.</summary>
    /// <param name="logits">The model's logits for this image (infoCAM+ uses their arg-min, Ablation-CAM the target's).</param>
    public static double[] Compute(
        CamMethod method, Classifier classifier, ReadOnlySpan<float> features, int h, int w,
        int target, ReadOnlySpan<float> logits, int window)
    {
        if (window < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "The window size must be at least 1.");
        }
        int k = classifier.Channels;
        if (features.Length != k * h * w)
        {
            throw new ArgumentException($"Feature map holds {features.Length} values, expected {k} x {h} x {w}.", nameof(features));
        }
        if ((uint)target >= (uint)classifier.Classes)
        {
            throw new ArgumentOutOfRangeException(nameof(target), target, $"Target class outside 0..{classifier.Classes - 1}.");
        }

        var weights = new double[k];
        var row = classifier.Row(target);
        switch (method)
        {
            case CamMethod.Cam:
                for (int i = 0; i < k; i++)
                {
                    weights[i] = row[i] / (double)k;
                }
                return WeightedSum(weights, features, h, w);
            case CamMethod.InfoCam:
            {
                var sums = classifier.ColumnSums;
                double others = classifier.Classes - 1;
                for (int i = 0; i < k; i++)
                {
                    weights[i] = row[i] - (sums[i] - row[i]) / others;
                }
                return WindowSum(WeightedSum(weights, features, h, w), h, w, window);
            }
            case CamMethod.InfoCamPlus:
            {
                var least = classifier.Row(ArgMin(logits));
                for (int i = 0; i < k; i++)
                {
                    weights[i] = row[i] - (double)least[i];
                }
                return WindowSum(WeightedSum(weights, features, h, w), h, w, window);
            }
            case CamMethod.ScoreCam:
                throw new ArgumentException("Score-CAM runs the model on masked inputs: it is computed by ScoreCam.Compute.", nameof(method));
            case CamMethod.EigenCam:
                return Relu(EigenCam.Projection(features, k, h * w));
            default:
                var family = CamFamily.Weights(method, row, features, h * w, logits[target]);
                return Relu(WeightedSum(family, features, h, w));
        }
    }

    /// <summary>In place <c>max(v, 0)</c> (pytorch-grad-cam applies it to every map of the family).</summary>
    internal static double[] Relu(double[] map)
    {
        for (int i = 0; i < map.Length; i++)
        {
            if (map[i] < 0) map[i] = 0;
        }
        return map;
    }

    /// <summary><c>P(i,j) = sum_k weights[k] * A[k,i,j]</c>.</summary>
    internal static double[] WeightedSum(ReadOnlySpan<double> weights, ReadOnlySpan<float> features, int h, int w)
    {
        int plane = h * w;
        var map = new double[plane];
        for (int c = 0; c < weights.Length; c++)
        {
            double wc = weights[c];
            if (wc == 0)
            {
                continue;
            }
            var a = features.Slice(c * plane, plane);
            for (int p = 0; p < plane; p++)
            {
                map[p] += wc * a[p];
            }
        }
        return map;
    }

    /// <summary>Sum over an s x s ones kernel with zero padding s-1 on every side: output (h+s-1) x (w+s-1).</summary>
    internal static double[] WindowSum(ReadOnlySpan<double> map, int h, int w, int s)
    {
        if (s == 1)
        {
            return map.ToArray();
        }
        int oh = h + s - 1, ow = w + s - 1;
        var result = new double[oh * ow];
        for (int i = 0; i < oh; i++)
        {
            for (int j = 0; j < ow; j++)
            {
                double acc = 0;
                for (int u = 0; u < s; u++)
                {
                    int si = i - (s - 1) + u;
                    if ((uint)si >= (uint)h) continue;
                    for (int v = 0; v < s; v++)
                    {
                        int sj = j - (s - 1) + v;
                        if ((uint)sj >= (uint)w) continue;
                        acc += map[si * w + sj];
                    }
                }
                result[i * ow + j] = acc;
            }
        }
        return result;
    }

    /// <summary>Index of the smallest value, the first one on ties (numpy/torch <c>argmin</c>).</summary>
    public static int ArgMin(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] < values[best]) best = i;
        }
        return best;
    }

    /// <summary>Index of the largest value, the first one on ties.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best]) best = i;
        }
        return best;
    }
}
