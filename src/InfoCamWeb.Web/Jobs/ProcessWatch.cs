using System.Diagnostics;
using System.Globalization;

namespace InfoCamWeb.Web.Jobs;

/// <summary>How a watched child process ended.</summary>
public enum ProcessEnd
{
    Exited,
    MemoryCap,
    TimeLimit,
    Cancelled,
}

/// <summary>
/// Waits for a child process (the worker, the model inspector) while holding it to a resident-memory cap and a time
/// limit; a process over either is killed with its children. The cap covers every allocation of the process, native
/// ones included (ONNX Runtime, image decoders), which the managed heap limit and the ORT arena cap do not.
/// </summary>
public static class ProcessWatch
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>How often the (database) stall check runs, less often than the cheap /proc read.</summary>
    public static readonly TimeSpan StallCheckInterval = TimeSpan.FromSeconds(2);

    /// <summary>Waits for <paramref name="process"/> to exit; <paramref name="timeLimit"/> may be <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    public static async Task<ProcessEnd> WaitAsync(Process process, long maxResidentBytes, TimeSpan timeLimit, CancellationToken ct,
        Func<CancellationToken, Task<bool>>? stalled = null)
    {
        var started = Stopwatch.StartNew();
        var lastStallCheck = Stopwatch.StartNew();
        var exited = process.WaitForExitAsync(CancellationToken.None);
        while (true)
        {
            await Task.WhenAny(exited, Task.Delay(PollInterval, ct)); // a cancelled delay ends the wait; WhenAny does not throw
            if (exited.IsCompleted)
            {
                await exited;
                return ProcessEnd.Exited;
            }
            if (ct.IsCancellationRequested)
            {
                return await KilledAsync(process, exited, ProcessEnd.Cancelled);
            }
            if (ResidentBytes(process.Id) is long rss && rss > maxResidentBytes)
            {
                return await KilledAsync(process, exited, ProcessEnd.MemoryCap);
            }
            if (timeLimit != Timeout.InfiniteTimeSpan && started.Elapsed > timeLimit)
            {
                return await KilledAsync(process, exited, ProcessEnd.TimeLimit);
            }
            if (stalled is not null && lastStallCheck.Elapsed >= StallCheckInterval)
            {
                lastStallCheck.Restart();
                if (await stalled(ct))
                {
                    return await KilledAsync(process, exited, ProcessEnd.TimeLimit);
                }
            }
        }
    }

    /// <summary>Kills the process and waits (briefly) until it is gone, so a successor never overlaps it.</summary>
    private static async Task<ProcessEnd> KilledAsync(Process process, Task exited, ProcessEnd end)
    {
        Kill(process);
        try
        {
            await exited.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
        }
        return end;
    }

    /// <summary>Resident set size of a process (Linux /proc), or null where it cannot be read.</summary>
    public static long? ResidentBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return null;
    }

    /// <summary>A readable cause for an exit code (on Linux, 128 + n means the process died of signal n).</summary>
    public static string DescribeExit(int exitCode) => exitCode switch
    {
        0 => "exited",
        134 => "aborted (SIGABRT, exit code 134)",
        137 => "was killed (SIGKILL, exit code 137; the system may have run out of memory)",
        139 => "crashed (segmentation fault, exit code 139)",
        135 => "crashed (bus error, exit code 135)",
        136 => "crashed (floating-point exception, exit code 136)",
        _ => $"exited with code {exitCode}",
    };

    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }
}
