using System.Diagnostics;

namespace InfoCamWeb.E2E;

/// <summary>The end of a process a test started: killed with its children, then its folder removed (unless kept).</summary>
internal static class ProcessCleanup
{
    public static async Task KillAndRemoveAsync(Process process, string? folder)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        process.Dispose();
        if (folder is null) return;
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
