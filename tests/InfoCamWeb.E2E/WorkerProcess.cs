using System.Diagnostics;

namespace InfoCamWeb.E2E;

/// <summary>
/// A worker service started by hand, as on another machine: configured on its command line and environment only, in an
/// empty working folder of its own. Its log lines are kept so a test can act on what it is doing.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = new();
    private readonly string _folder;

    private WorkerProcess(Process process, string name, string folder)
    {
        (_process, Name, _folder) = (process, name, folder);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_lines) _lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_lines) _lines.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public static WorkerProcess Start(string name, IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string> environment)
    {
        var folder = Path.Combine(Path.GetTempPath(), "infocam-worker-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "InfoCamWeb.Worker.dll"));
        psi.ArgumentList.Add($"--InfoCam:Worker:Name={name}");
        foreach (var (k, v) in settings) psi.ArgumentList.Add($"--{k}={v}");
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        return new WorkerProcess(Process.Start(psi)!, name, folder);
    }

    public IReadOnlyList<string> Lines
    {
        get { lock (_lines) return _lines.ToList(); }
    }

    /// <summary>Waits for the <paramref name="count"/>-th log line that contains <paramref name="text"/>.</summary>
    public async Task WaitForLineAsync(string text, int count, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (Lines.Count(l => l.Contains(text, StringComparison.Ordinal)) < count)
        {
            if (_process.HasExited) Assert.Fail($"Worker {Name} exited ({_process.ExitCode}): {string.Join('\n', Lines.TakeLast(20))}");
            Assert.True(DateTime.UtcNow < deadline, $"Worker {Name} did not log '{text}' {count} times within {limit.TotalSeconds:F0} s: {string.Join('\n', Lines.TakeLast(20))}");
            await Task.Delay(5);
        }
    }

    /// <summary>SIGKILL, as a machine that loses power: no shutdown, no last heartbeat.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGSTOP: the worker stops where it is, mid-statement or mid-image, until <see cref="Thaw"/>.</summary>
    public void Freeze() => Signal(SigStop);

    /// <summary>SIGCONT: a frozen worker goes on.</summary>
    public void Thaw() => Signal(SigCont);

    private const int SigStop = 19, SigCont = 18; // Linux

    private void Signal(int signal) => Assert.True(SysKill(_process.Id, signal) == 0, $"kill({_process.Id}, {signal}) failed for worker {Name}");

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    public ValueTask DisposeAsync() => new(ProcessCleanup.KillAndRemoveAsync(_process, _folder));
}
