namespace InfoCamWeb.Core.Cams;

/// <summary>The localization methods of the protocol (see docs/methods.md).</summary>
public enum CamMethod
{
    /// <summary>Class activation map: <c>(1/K) * sum_k W[y,k] A[k]</c>, no ReLU.</summary>
    Cam,

    /// <summary>PMI difference against the mean of the other classes, summed over an s x s window.</summary>
    InfoCam,

    /// <summary>PMI difference against the least likely class (the official code's <c>--max-cam</c>), summed over an s x s window.</summary>
    InfoCamPlus,
}

public static class CamMethods
{
    public static readonly CamMethod[] All = [CamMethod.Cam, CamMethod.InfoCam, CamMethod.InfoCamPlus];

    /// <summary>The name used on the command line, in JSON and CSV: <c>cam</c>, <c>infocam</c>, <c>infocam+</c>.</summary>
    public static string Key(this CamMethod method) => method switch
    {
        CamMethod.Cam => "cam",
        CamMethod.InfoCam => "infocam",
        CamMethod.InfoCamPlus => "infocam+",
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    public static string DisplayName(this CamMethod method) => method switch
    {
        CamMethod.Cam => "CAM",
        CamMethod.InfoCam => "infoCAM",
        CamMethod.InfoCamPlus => "infoCAM+",
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    public static bool TryParse(string text, out CamMethod method)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "cam": method = CamMethod.Cam; return true;
            case "infocam": method = CamMethod.InfoCam; return true;
            case "infocam+" or "infocamplus" or "infocam-plus": method = CamMethod.InfoCamPlus; return true;
            default: method = default; return false;
        }
    }

    /// <summary>Parses a comma-separated list such as <c>cam,infocam,infocam+</c> (order kept, duplicates removed).</summary>
    public static IReadOnlyList<CamMethod> ParseList(string text)
    {
        var list = new List<CamMethod>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TryParse(part, out var m))
            {
                throw new FormatException($"Unknown method '{part}': expected cam, infocam or infocam+.");
            }
            if (!list.Contains(m))
            {
                list.Add(m);
            }
        }
        if (list.Count == 0)
        {
            throw new FormatException("No method given: expected cam, infocam or infocam+.");
        }
        return list;
    }
}
