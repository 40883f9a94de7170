using System.Diagnostics;
using System.Runtime.InteropServices;

namespace InfoCamWeb.Core.Diagnostics;

/// <summary>
/// The CPU time of the calling thread, for stage timings that stay honest when more threads than cores share the
/// machine (decoding and localization overlap): on Linux <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>; elsewhere, or
/// if that call fails, the wall clock (<see cref="IsThreadTime"/> tells which).
/// </summary>
public static partial class CpuClock
{
    private const int ClockThreadCpuTime = 3;

    /// <summary>True when <see cref="Now"/> measures the thread's CPU time, false when it falls back to the wall clock.</summary>
    public static bool IsThreadTime { get; } = Probe();

    /// <summary>A reading in nanoseconds; only differences between readings on the same thread mean anything.</summary>
    public static long Now()
    {
        if (IsThreadTime && ClockGetTime(ClockThreadCpuTime, out var t) == 0)
        {
            return (long)t.Seconds * 1_000_000_000 + t.Nanoseconds;
        }
        return (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
    }

    /// <summary>Seconds between two readings.</summary>
    public static double Seconds(long from, long to) => (to - from) / 1e9;

    private static bool Probe()
    {
        try
        {
            return OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTime, out _) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>C's <c>struct timespec</c>: two C longs (64 bits on 64-bit Linux, 32 on 32-bit).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
