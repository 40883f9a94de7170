using System.Diagnostics;
using InfoCamWeb.Core.Diagnostics;

namespace InfoCamWeb.Core.Tests.Diagnostics;

public class CpuClockTests
{
    [SkippableFact]
    public void The_thread_clock_counts_work_and_not_sleep()
    {
        Skip.IfNot(CpuClock.IsThreadTime, "no thread CPU clock on this platform: the wall clock stands in");
        long start = CpuClock.Now();
        Thread.Sleep(300);
        double slept = CpuClock.Seconds(start, CpuClock.Now());
        Assert.True(slept < 0.1, $"a sleeping thread used {slept:F3} s of CPU");

        // Spin until 20 ms of CPU have gone by (the wall clock only bounds a machine too loaded to give them).
        var wall = Stopwatch.StartNew();
        start = CpuClock.Now();
        double x = 1;
        while (CpuClock.Seconds(start, CpuClock.Now()) < 0.02 && wall.Elapsed < TimeSpan.FromSeconds(30))
        {
            x = Math.Sqrt(x + 1);
        }
        Assert.True(CpuClock.Seconds(start, CpuClock.Now()) >= 0.02, $"20 ms of work never showed ({x})");
    }
}
