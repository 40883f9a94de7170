using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace InfoCamWeb.E2E;

/// <summary>The real app (InfoCamWeb.Web.dll from the build output) on a loopback port, with a temporary data folder.</summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private bool _keepRoot;

    private AppProcess(Process process, string url, string root)
    {
        _process = process;
        Url = url;
        Root = root;
    }

    public string Url { get; }

    /// <summary>The web app's own process (dotnet runs the app in the process it starts).</summary>
    public int ProcessId => _process.Id;

    public string Root { get; }

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Starts the app; with <paramref name="root"/>, on the data folder and databases a killed instance left there.</summary>
    public static async Task<AppProcess> StartAsync(IReadOnlyDictionary<string, string>? environment = null, string? root = null)
    {
        int port = FreePort();
        root ??= Path.Combine(Path.GetTempPath(), "infocam-e2e-" + Guid.NewGuid().ToString("N"));
        var url = $"http://127.0.0.1:{port}";
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "InfoCamWeb.Web.dll"));
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add(url);
        psi.ArgumentList.Add("--contentRoot");
        psi.ArgumentList.Add(RepoRoot);
        psi.Environment["InfoCam__DataFolder"] = Path.Combine(root, "data");
        psi.Environment["InfoCam__Database"] = Path.Combine(root, "data", "infocam.db");
        psi.Environment["InfoCam__JobsDatabase"] = Path.Combine(root, "data", "jobs.db");
        psi.Environment["InfoCam__Demo__RunOnFirstStart"] = "false";
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"The app exited with code {process.ExitCode}.");
            try
            {
                // As a TLS-terminating proxy would send it: an app configured for HTTPS redirects plain requests.
                using var probe = new HttpRequestMessage(HttpMethod.Get, url + "/models") { Headers = { { "X-Forwarded-Proto", "https" } } };
                var response = await http.SendAsync(probe);
                if (response.StatusCode == HttpStatusCode.OK && (await response.Content.ReadAsStringAsync()).Contains("Demo CNN"))
                {
                    return new AppProcess(process, url, root);
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(500);
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException("The app did not start within 90 s.");
    }

    /// <summary>Waits until the run's page shows it succeeded (the worker writes its status to the database).</summary>
    public async Task WaitForSuccessAsync(int runId, TimeSpan limit)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + limit;
        while (!(await http.GetStringAsync($"{Url}/runs/{runId}")).Contains(">succeeded<", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Run {runId} did not succeed within {limit.TotalSeconds:F0} s.");
            await Task.Delay(500);
        }
    }

    /// <summary>Kills the app and its worker at once (SIGKILL, no shutdown), keeping the data folder for a restart.</summary>
    public async Task KillAsync()
    {
        _keepRoot = true;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public ValueTask DisposeAsync() => new(ProcessCleanup.KillAndRemoveAsync(_process, _keepRoot ? null : Root));

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "InfoCamWeb.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("InfoCamWeb.sln not found.");
    }
}
