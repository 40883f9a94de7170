namespace InfoCamWeb.Core.Cams;

/// <summary>
/// Channel weights of the gradient family and Ablation-CAM for a GAP + linear head. The class score is
/// <c>z_y = sum_k W[y,k] * mean(A[k]) + b_y</c>, so its gradient with respect to <c>A[k,i,j]</c> is the constant
/// <c>g_k = W[y,k] / (h w)</c>; each weight below is pytorch-grad-cam's formula with that gradient put in
/// (docs/methods.md). The map is <c>ReLU(sum_k weight_k A[k])</c> for all of them.
/// </summary>
internal static class CamFamily
{
    /// <summary>pytorch-grad-cam's XGrad-CAM epsilon.</summary>
    private const double XGradEpsilon = 1e-7;

    /// <summary>pytorch-grad-cam's Grad-CAM++ epsilon.</summary>
    private const double PlusPlusEpsilon = 1e-6;

    public static double[] Weights(CamMethod method, ReadOnlySpan<float> row, ReadOnlySpan<float> features, int plane, float score)
    {
        var weights = new double[row.Length];
        // Ablation-CAM divides by the score: a zero or non-finite score leaves no relative drop to weigh by (an all-zero map).
        if (method == CamMethod.AblationCam && (score == 0 || !float.IsFinite(score))) return weights;
        for (int k = 0; k < weights.Length; k++)
        {
            double g = row[k] / (double)plane;
            weights[k] = method switch
            {
                // HiResCAM multiplies gradient and activation element-wise: with a constant gradient that is Grad-CAM's sum.
                CamMethod.GradCam or CamMethod.HiResCam => g,
                CamMethod.XGradCam => XGrad(g, Sum(features, k, plane)),
                CamMethod.GradCamPlusPlus => PlusPlus(g, Sum(features, k, plane), plane),
                CamMethod.LayerCam => Math.Max(g, 0),
                CamMethod.AblationCam => row[k] * (Sum(features, k, plane) / plane) / score,
                _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Not a method of the gradient family."),
            };
        }
        return weights;
    }

    /// <summary><c>sum_ij g A[k,i,j] / (sum_ij A[k,i,j] + eps)</c>.</summary>
    private static double XGrad(double g, double sum) => g * sum / (sum + XGradEpsilon);

    /// <summary>
    /// <c>a = g^2 / (2 g^2 + S g^3 + eps)</c> (0 where g = 0), summed over the plane with <c>max(g, 0)</c>
    /// (Chattopadhyay et al., eq. 19, as pytorch-grad-cam writes it).
    /// </summary>
    private static double PlusPlus(double g, double sum, int plane)
    {
        if (g == 0) return 0;
        double g2 = g * g;
        double a = g2 / (2 * g2 + sum * g2 * g + PlusPlusEpsilon);
        return plane * Math.Max(g, 0) * a;
    }

    private static double Sum(ReadOnlySpan<float> features, int k, int plane)
    {
        double s = 0;
        foreach (var v in features.Slice(k * plane, plane)) s += v;
        return s;
    }
}
