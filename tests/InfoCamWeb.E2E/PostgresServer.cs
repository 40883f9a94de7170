using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace InfoCamWeb.E2E;

/// <summary>
/// A throwaway PostgreSQL 15 cluster (Debian's <c>postgresql</c>) on loopback in a temporary folder, never the system
/// service: initdb and pg_ctl run as the <c>postgres</c> user when the tests run as root (initdb refuses root).
/// Tests that need it report themselves skipped when PostgreSQL is not installed.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string Bin = "/usr/lib/postgresql/15/bin";

    public static bool Installed => File.Exists(Path.Combine(Bin, "initdb"));

    public const string SkipReason = $"PostgreSQL 15 is not installed ({Bin}; apt-get install postgresql); .ci/run installs it.";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "infocam-pg-" + Guid.NewGuid().ToString("N")[..12]);

    public int Port { get; } = FreePort();

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true";

    public async Task InitializeAsync()
    {
        if (!Installed) return;
        Directory.CreateDirectory(_folder);
        if (IsRoot) await RunAsync("/bin/chown", "postgres", _folder);
        await RunPgAsync("initdb", "-D", Path.Combine(_folder, "data"), "-A", "trust", "-U", "postgres", "--no-sync");
        await RunPgAsync("pg_ctl", "-D", Path.Combine(_folder, "data"), "-o", $"-k {_folder} -p {Port} -c listen_addresses=127.0.0.1 -c fsync=off",
            "-l", Path.Combine(_folder, "server.log"), "-w", "start");
    }

    /// <summary>A new, empty database on the cluster.</summary>
    public Task CreateDatabaseAsync(string name) => RunPgAsync("createdb", "-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", name);

    public async Task DisposeAsync()
    {
        if (!Installed || !Directory.Exists(Path.Combine(_folder, "data"))) return;
        try { await RunPgAsync("pg_ctl", "-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop"); }
        catch (InvalidOperationException) { }
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static Task RunPgAsync(string tool, params string[] args) =>
        IsRoot ? RunAsync("/usr/sbin/runuser", ["-u", "postgres", "--", Path.Combine(Bin, tool), .. args]) : RunAsync(Path.Combine(Bin, tool), args);

    private static async Task RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} exited with {p.ExitCode}: {await error}{await output}");
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
