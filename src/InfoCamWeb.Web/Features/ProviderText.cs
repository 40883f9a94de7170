using System.Text.RegularExpressions;

namespace InfoCamWeb.Web.Features;

/// <summary>The execution provider as web pages show it: what ran and why, without the build flags meant for operators.</summary>
public static partial class ProviderText
{
    public static string ForPeople(string? provider) =>
        string.IsNullOrEmpty(provider) ? "" : BuildFlag().Replace(provider, "");

    /// <summary>A parenthesised build hint such as " (-p:UseCuda=true adds it)".</summary>
    [GeneratedRegex(@"\s*\(-p:[^()]*\)")]
    private static partial Regex BuildFlag();
}
