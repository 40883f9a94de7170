using System.Diagnostics;
using InfoCamWeb.Web.Jobs;

namespace InfoCamWeb.Web.Tests.Jobs;

public class ProcessWatchTests
{
    private static Process Start(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    [Fact]
    public async Task A_process_that_grows_past_the_memory_cap_is_killed_and_reported()
    {
        // tail keeps the endless "line" of /dev/zero in memory: its resident size grows without bound.
        using var greedy = Start("tail", "/dev/zero");
        var end = await ProcessWatch.WaitAsync(greedy, 200L << 20, TimeSpan.FromMinutes(2), CancellationToken.None);
        Assert.Equal(ProcessEnd.MemoryCap, end);
        await greedy.WaitForExitAsync();
        Assert.True(greedy.HasExited);
    }

    [Fact]
    public async Task A_process_past_its_time_limit_is_killed_and_reported()
    {
        using var sleeper = Start("sleep", "600");
        var end = await ProcessWatch.WaitAsync(sleeper, 1L << 30, TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Equal(ProcessEnd.TimeLimit, end);
        await sleeper.WaitForExitAsync();
        Assert.True(sleeper.HasExited);
    }

    [Fact]
    public async Task A_process_that_ends_on_its_own_is_reported_as_exited_with_a_readable_cause()
    {
        using var crasher = Start("sh", "-c", "sleep 1; kill -SEGV $$");
        Assert.Equal(ProcessEnd.Exited, await ProcessWatch.WaitAsync(crasher, 1L << 30, Timeout.InfiniteTimeSpan, CancellationToken.None));
        Assert.Equal("crashed (segmentation fault, exit code 139)", ProcessWatch.DescribeExit(crasher.ExitCode));
    }

    [Fact]
    public void The_resident_size_of_this_process_can_be_read()
    {
        Assert.True(ProcessWatch.ResidentBytes(Environment.ProcessId) > 1 << 20);
        Assert.Null(ProcessWatch.ResidentBytes(int.MaxValue));
    }
}
