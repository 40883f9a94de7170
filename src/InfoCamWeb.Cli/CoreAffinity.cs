using System.Runtime.InteropServices;

namespace InfoCamWeb.Cli;

/// <summary>
/// Pins every thread of this process to its first N allowed CPUs (Linux), so that one benchmark can measure how it
/// scales from 1 core to all of them. Threads started later inherit the mask from the thread that starts them.
/// </summary>
internal static partial class CoreAffinity
{
    /// <summary>The CPUs this process may run on, lowest first.</summary>
    public static int[] Allowed()
    {
        if (!OperatingSystem.IsLinux())
        {
            return Enumerable.Range(0, Environment.ProcessorCount).ToArray();
        }
        var mask = new ulong[16];
        if (SchedGetAffinity(0, (nint)(mask.Length * 8), mask) != 0)
        {
            throw new IOException($"sched_getaffinity failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        return Enumerable.Range(0, mask.Length * 64).Where(c => (mask[c / 64] >> (c % 64) & 1) != 0).ToArray();
    }

    /// <summary>Runs every thread of the process on <paramref name="cpus"/>.</summary>
    public static void Use(IReadOnlyList<int> cpus)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new UsageException("--cores pins threads to CPUs, which this command does on Linux only.");
        }
        var mask = new ulong[16];
        foreach (var c in cpus)
        {
            mask[c / 64] |= 1UL << (c % 64);
        }
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            // A thread may end between listing and pinning; the ones that stay are what matters.
            if (int.TryParse(Path.GetFileName(task), out int tid))
            {
                _ = SchedSetAffinity(tid, (nint)(mask.Length * 8), mask);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int SchedGetAffinity(int pid, nint size, [Out] ulong[] mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nint size, ulong[] mask);
}
