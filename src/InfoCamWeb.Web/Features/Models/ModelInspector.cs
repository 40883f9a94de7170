using System.Diagnostics;
using System.Text.Json;
using InfoCamWeb.Core.Models;
using InfoCamWeb.Web.Extensions;
using InfoCamWeb.Web.Jobs;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Features.Models;

/// <summary>
/// Inspects a model in a short-lived child process (<c>InfoCamWeb.Worker inspect</c>, answering an <see cref="InspectionReport"/>): ONNX Runtime never runs inside the
/// web server process, so a crafted model that crashes it natively cannot take the site down.
/// </summary>
public sealed class ModelInspector(IOptions<InfoCamOptions> options, InfoCamWeb.Data.InfoCamPaths paths, ILogger<ModelInspector> log)
{
    // Each inspection is a process that may use up to the memory cap: at most this many at once, the rest wait.
    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.Value.Worker.ConcurrentInspections));

    public async Task<ModelSummary> InspectAsync(string path, HeadOverrides? overrides, CancellationToken ct)
    {
        await _slots.WaitAsync(ct);
        try
        {
            return await InspectInChildAsync(path, overrides, ct);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task<ModelSummary> InspectInChildAsync(string path, HeadOverrides? overrides, CancellationToken ct)
    {
        using var cwd = paths.NewWorkingFolder("inspect");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = cwd.Path, // empty, never the app's content root with its settings
        };
        psi.ArgumentList.Add(options.Value.Worker.WorkerAssembly);
        psi.ArgumentList.Add("inspect");
        psi.ArgumentList.Add("--model");
        psi.ArgumentList.Add(path);
        if (overrides?.FeatureTensor is { } f) { psi.ArgumentList.Add("--feature-tensor"); psi.ArgumentList.Add(f); }
        if (overrides?.WeightInitializer is { } w) { psi.ArgumentList.Add("--classifier-weight"); psi.ArgumentList.Add(w); }
        if (overrides?.BiasInitializer is { } b) { psi.ArgumentList.Add("--classifier-bias"); psi.ArgumentList.Add(b); }
        var o = options.Value.Worker;
        int seconds = Math.Max(2, o.InspectTimeoutSeconds);
        // The probe's own batch limit ends first, so a slow model is refused with ONNX Runtime's clean stop, not a kill.
        foreach (var (key, value) in o.ChildEnvironment(Math.Max(1, seconds * 2 / 3)))
        {
            psi.Environment[key] = value;
        }
        using var process = Process.Start(psi) ?? throw new ModelException("The model inspector could not be started.");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var end = await ProcessWatch.WaitAsync(process, (long)o.MemoryLimitMb << 20, TimeSpan.FromSeconds(seconds), ct);
        switch (end)
        {
            case ProcessEnd.Cancelled:
                ct.ThrowIfCancellationRequested();
                break;
            case ProcessEnd.TimeLimit:
                throw new ModelException($"Inspecting the model took longer than {seconds} s and was stopped.");
            case ProcessEnd.MemoryCap:
                throw new ModelException($"Inspecting the model needed more than {o.MemoryLimitMb} MB of memory and was stopped.");
        }
        var output = await stdout;
        var error = (await stderr).Trim();
        if (process.ExitCode != 0)
        {
            log.LogWarning("Model inspection exited with {Code}: {Error}", process.ExitCode, error);
            throw new ModelException($"The model crashed the inspector (it {ProcessWatch.DescribeExit(process.ExitCode)}); it cannot be used.");
        }
        var report = ReadReport(output) ?? throw new ModelException("The model inspector returned nothing.");
        return report.Model ?? throw new ModelException(report.Refusal ?? "The model was refused.");
    }

    /// <summary>The report is the last line of standard output (ONNX Runtime may print before it).</summary>
    private static InspectionReport? ReadReport(string output)
    {
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        try
        {
            return last is null ? null : JsonSerializer.Deserialize<InspectionReport>(last);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
