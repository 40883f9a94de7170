using System.Diagnostics;
using System.Text.Json;
using InfoCamWeb.Core.Models;

namespace InfoCamWeb.Web.Features.Models;

/// <summary>
/// Inspects a model in a short-lived child process (<c>infocam inspect --json</c>): ONNX Runtime never runs inside the
/// web server process, so a crafted model that crashes it natively cannot take the site down.
/// </summary>
public sealed class ModelInspector(ILogger<ModelInspector> log)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public async Task<ModelSummary> InspectAsync(string path, HeadOverrides? overrides, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "infocam.dll"));
        psi.ArgumentList.Add("inspect");
        psi.ArgumentList.Add("--json");
        psi.ArgumentList.Add("--model");
        psi.ArgumentList.Add(path);
        if (overrides?.FeatureTensor is { } f) { psi.ArgumentList.Add("--feature-tensor"); psi.ArgumentList.Add(f); }
        if (overrides?.WeightInitializer is { } w) { psi.ArgumentList.Add("--classifier-weight"); psi.ArgumentList.Add(w); }
        if (overrides?.BiasInitializer is { } b) { psi.ArgumentList.Add("--classifier-bias"); psi.ArgumentList.Add(b); }
        using var process = Process.Start(psi) ?? throw new ModelException("The model inspector could not be started.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (ct.IsCancellationRequested) throw;
            throw new ModelException($"Inspecting the model took longer than {Timeout.TotalSeconds:0} s and was stopped.");
        }
        var output = await stdout;
        var error = (await stderr).Trim();
        if (process.ExitCode == 2)
        {
            throw new ModelException(error.StartsWith("infocam: error: ", StringComparison.Ordinal) ? error["infocam: error: ".Length..] : error);
        }
        if (process.ExitCode != 0)
        {
            log.LogWarning("Model inspection exited with {Code}: {Error}", process.ExitCode, error);
            throw new ModelException($"The model crashed the inspector (exit code {process.ExitCode}); it cannot be used.");
        }
        return JsonSerializer.Deserialize<ModelSummary>(output) ?? throw new ModelException("The model inspector returned nothing.");
    }
}
