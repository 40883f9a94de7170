namespace InfoCamWeb.Core.Cams;

/// <summary>The localization methods (see docs/methods.md): the paper's three, then the CAM family a GAP + linear head determines.</summary>
public enum CamMethod
{
    /// <summary>Class activation map: <c>(1/K) * sum_k W[y,k] A[k]</c>, no ReLU.</summary>
    Cam,

    /// <summary>PMI difference against the mean of the other classes, summed over an s x s window.</summary>
    InfoCam,

    /// <summary>PMI difference against the least likely class (the official code's <c>--max-cam</c>), summed over an s x s window.</summary>
    InfoCamPlus,

    /// <summary>Grad-CAM: channel weights are the spatial mean of the gradient, <c>W[y,k] / hw</c>; ReLU of the weighted sum.</summary>
    GradCam,

    /// <summary>HiResCAM: the element-wise product of gradient and activation summed over channels; ReLU.</summary>
    HiResCam,

    /// <summary>XGrad-CAM: gradient times activation over the channel's activation sum; ReLU.</summary>
    XGradCam,

    /// <summary>Grad-CAM++: the second- and third-order weighting of positive gradients; ReLU.</summary>
    GradCamPlusPlus,

    /// <summary>LayerCAM: positive gradients times activations, summed over channels; ReLU.</summary>
    LayerCam,

    /// <summary>Eigen-CAM: the projection on the first principal component of the activations (class-agnostic); ReLU.</summary>
    EigenCam,

    /// <summary>Ablation-CAM: each channel weighted by the relative drop of the class score when the channel is zeroed; ReLU.</summary>
    AblationCam,

    /// <summary>Score-CAM: each channel weighted by the softmax of the class score of the input masked by that channel (K forward passes); ReLU.</summary>
    ScoreCam,
}

/// <summary>How a method is offered: the paper's three, the gradient-free family computed from A and W, or costly.</summary>
public enum CamGroup
{
    Paper,
    Family,

    /// <summary>Needs extra forward passes of the whole model per image.</summary>
    Costly,
}

public static class CamMethods
{
    /// <summary>The paper's three: the default of every run.</summary>
    public static readonly CamMethod[] All = [CamMethod.Cam, CamMethod.InfoCam, CamMethod.InfoCamPlus];

    /// <summary>Every method the engine computes, in the order lists and tables show them.</summary>
    public static readonly CamMethod[] Every = Enum.GetValues<CamMethod>();

    private static readonly Dictionary<CamMethod, (string Key, string Name, CamGroup Group)> Names = new()
    {
        [CamMethod.Cam] = ("cam", "CAM", CamGroup.Paper),
        [CamMethod.InfoCam] = ("infocam", "infoCAM", CamGroup.Paper),
        [CamMethod.InfoCamPlus] = ("infocam+", "infoCAM+", CamGroup.Paper),
        [CamMethod.GradCam] = ("gradcam", "Grad-CAM", CamGroup.Family),
        [CamMethod.HiResCam] = ("hirescam", "HiResCAM", CamGroup.Family),
        [CamMethod.XGradCam] = ("xgradcam", "XGrad-CAM", CamGroup.Family),
        [CamMethod.GradCamPlusPlus] = ("gradcam++", "Grad-CAM++", CamGroup.Family),
        [CamMethod.LayerCam] = ("layercam", "LayerCAM", CamGroup.Family),
        [CamMethod.EigenCam] = ("eigencam", "Eigen-CAM", CamGroup.Family),
        [CamMethod.AblationCam] = ("ablationcam", "Ablation-CAM", CamGroup.Family),
        [CamMethod.ScoreCam] = ("scorecam", "Score-CAM", CamGroup.Costly),
    };

    private static string Expected => string.Join(", ", Every.Select(Key));

    /// <summary>The name used on the command line, in JSON and CSV: <c>cam</c>, <c>infocam</c>, <c>infocam+</c>, <c>gradcam</c>, ...</summary>
    public static string Key(this CamMethod method) =>
        Names.TryGetValue(method, out var n) ? n.Key : throw new ArgumentOutOfRangeException(nameof(method));

    public static string DisplayName(this CamMethod method) =>
        Names.TryGetValue(method, out var n) ? n.Name : throw new ArgumentOutOfRangeException(nameof(method));

    public static CamGroup Group(this CamMethod method) =>
        Names.TryGetValue(method, out var n) ? n.Group : throw new ArgumentOutOfRangeException(nameof(method));

    /// <summary>The key in a URL or file name: '+' spelled out ("infocam-plus", "gradcam-plus-plus").</summary>
    public static string UrlKey(this CamMethod method) => method.Key().Replace("+", "-plus", StringComparison.Ordinal);

    /// <summary>Accepts the key, the URL key and the display name, in any case ("Grad-CAM++", "gradcam-plus-plus").</summary>
    public static bool TryParse(string text, out CamMethod method)
    {
        var wanted = Canonical(text);
        foreach (var m in Every)
        {
            if (Canonical(m.Key()) == wanted || Canonical(m.UrlKey()) == wanted || Canonical(m.DisplayName()) == wanted)
            {
                method = m;
                return true;
            }
        }
        method = default;
        return false;
    }

    private static string Canonical(string text) =>
        text.Trim().ToLowerInvariant().Replace("-plus", "+", StringComparison.Ordinal).Replace("plus", "+", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);

    /// <summary>Parses a comma-separated list such as <c>cam,infocam,infocam+</c> (order kept, duplicates removed).</summary>
    public static IReadOnlyList<CamMethod> ParseList(string text)
    {
        var list = new List<CamMethod>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TryParse(part, out var m))
            {
                throw new FormatException($"Unknown method '{part}': expected one of {Expected}.");
            }
            if (!list.Contains(m))
            {
                list.Add(m);
            }
        }
        if (list.Count == 0)
        {
            throw new FormatException($"No method given: expected one or more of {Expected}.");
        }
        return list;
    }
}
