namespace InfoCamWeb.Core.Inference;

/// <summary>
/// A worker's device: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>. The queue is the device class (runs wait for any
/// worker of their class); <see cref="CudaDevice"/> is the GPU this worker's sessions use (one worker per GPU).
/// </summary>
public sealed record DeviceSpec(string Queue, int CudaDevice)
{
    public static DeviceSpec Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return new("cpu", 0);
        if (t is "cuda" or "gpu") return new("cuda", 0);
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t[5..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n <= 64)
        {
            return new("cuda", n);
        }
        throw new FormatException($"Unknown device '{text}': expected cpu, cuda or cuda:N (N = the GPU's index).");
    }

    /// <summary>Parses without throwing (a device read back from another process's record).</summary>
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DeviceSpec? spec)
    {
        try
        {
            spec = Parse(text);
            return true;
        }
        catch (FormatException)
        {
            spec = null;
            return false;
        }
    }
}
