using System.Text.RegularExpressions;

namespace InfoCamWeb.E2E;

/// <summary>The web process never loads ONNX Runtime: runs and model inspections execute in the worker service.</summary>
public class WorkerServiceTests
{
    [SkippableFact]
    public async Task The_web_process_never_loads_onnx_runtime_while_its_worker_runs_the_demo()
    {
        Skip.IfNot(Directory.Exists("/proc/self"), "Needs /proc (Linux) to read which libraries a process has mapped.");
        await using var app = await AppProcess.StartAsync(new Dictionary<string, string> { ["InfoCam__Demo__RunOnFirstStart"] = "true" });
        await app.WaitForSuccessAsync(1, TimeSpan.FromMinutes(3));
        using var http = new HttpClient();
        // The pages that read the run's results, heatmaps and boxes.
        foreach (var path in new[] { "/runs/1", "/runs/1/images", "/runs/1/images/0/cam.jpg", "/runs/1/images.csv", "/runs/1/result.json", "/models", "/datasets/1" })
        {
            Assert.True((await http.GetAsync(app.Url + path)).IsSuccessStatusCode, path);
        }

        var worker = WorkerOf(app.ProcessId);
        Assert.True(worker > 0, "No worker process with the app as its parent.");
        Assert.Contains(Mapped(worker), f => f.Contains("onnxruntime", StringComparison.OrdinalIgnoreCase)); // the check sees it where it is
        Assert.DoesNotContain(Mapped(app.ProcessId), f => f.Contains("onnxruntime", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task The_worker_carried_in_the_web_apps_own_build_output_runs_there()
    {
        // dotnet run --project src/InfoCamWeb.Web starts the worker from the web project's output folder, where only
        // what the web app resolves is present (the shared framework's assemblies are not copied there).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<Configuration>/net10.0
        var worker = Path.Combine(AppProcess.RepoRoot, "src", "InfoCamWeb.Web", "bin", configuration, "net10.0", "InfoCamWeb.Worker.dll");
        Assert.True(File.Exists(worker), $"{worker} is missing: the web app does not carry its worker.");
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetTempPath() };
        foreach (var a in new[] { worker, "inspect", "--model", Path.Combine(AppProcess.RepoRoot, "datasets", "demo-model", "demo-cnn.onnx") }) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}: {error}");
        var report = System.Text.Json.JsonSerializer.Deserialize<InfoCamWeb.Core.Models.InspectionReport>(output.Trim().Split('\n')[^1])!;
        Assert.Equal(8, report.Model!.Classes);
        Assert.Null(report.Refusal);
    }

    /// <summary>Files a process has mapped: native libraries and the managed assemblies it loaded.</summary>
    private static HashSet<string> Mapped(int pid) =>
        File.ReadAllLines($"/proc/{pid}/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(p => p.Length >= 6).Select(p => p[5]).ToHashSet();

    private static int WorkerOf(int parent)
    {
        foreach (var dir in Directory.GetDirectories("/proc").Where(d => Regex.IsMatch(Path.GetFileName(d), "^[0-9]+$")))
        {
            string cmdline;
            try { cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' '); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            if (cmdline.Contains("InfoCamWeb.Worker.dll", StringComparison.Ordinal) && cmdline.Contains($"--InfoCam:Worker:ParentPid={parent}", StringComparison.Ordinal))
            {
                return int.Parse(Path.GetFileName(dir), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }
}
