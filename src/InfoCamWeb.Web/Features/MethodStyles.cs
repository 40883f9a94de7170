using InfoCamWeb.Core.Cams;

namespace InfoCamWeb.Web.Features;

/// <summary>
/// How a method looks wherever it is shown: one name (CAM, infoCAM, infoCAM+, Grad-CAM, ...) and one colour per method,
/// the same in charts, boxes and legends of every run, whichever methods a run has and in whatever order.
/// </summary>
public static class MethodStyles
{
    /// <summary>The display name of a method key ("cam" → "CAM"); an unknown key is shown as it is.</summary>
    public static string Name(string key) => CamMethods.TryParse(key, out var m) ? m.DisplayName() : key;

    /// <summary>Box and line colour; ground truth is green, so no method is (and none is grey, the colour of an unknown key).</summary>
    public static (byte R, byte G, byte B) Colour(CamMethod method) => method switch
    {
        CamMethod.Cam => (255, 60, 60),
        CamMethod.InfoCam => (255, 200, 0),
        CamMethod.InfoCamPlus => (0, 200, 255),
        CamMethod.GradCam => (255, 120, 200),
        CamMethod.HiResCam => (170, 110, 255),
        CamMethod.XGradCam => (255, 140, 40),
        CamMethod.GradCamPlusPlus => (50, 100, 255),
        CamMethod.LayerCam => (160, 90, 40),
        CamMethod.EigenCam => (220, 0, 150),
        CamMethod.AblationCam => (0, 140, 150),
        _ => (200, 200, 200),
    };

    /// <summary>The methods of any of these runs (comma-separated method lists), in the order every table shows them.</summary>
    public static IReadOnlyList<CamMethod> Columns(IEnumerable<string> methodLists)
    {
        var used = methodLists.SelectMany(CamMethods.ParseList).ToHashSet();
        return CamMethods.Every.Where(used.Contains).ToList();
    }

    public static string Hex(CamMethod method)
    {
        var (r, g, b) = Colour(method);
        return $"#{r:x2}{g:x2}{b:x2}";
    }

    /// <summary>The colour of a method key; grey for a key this build does not know.</summary>
    public static string Hex(string key) => CamMethods.TryParse(key, out var m) ? Hex(m) : "#c8c8c8";
}
