using System.Globalization;

namespace InfoCamWeb.Web.Features;

/// <summary>How dates and p-values read wherever the app shows them.</summary>
public static class Formats
{
    /// <summary>A moment in UTC to the minute: "2026-12-01 21:36 UTC".</summary>
    public static string Stamp(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A p-value to three decimals, or "&lt; 0.001".</summary>
    public static string PValue(double p) => p < 0.001 ? "< 0.001" : p.ToString("0.###", CultureInfo.InvariantCulture);
}
