using InfoCamWeb.Web.Jobs;

namespace InfoCamWeb.Web.Tests.Jobs;

public class ShardSchedulerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_later_run_of_another_team_gets_the_next_slot_before_the_long_run_continues()
    {
        var big = new RunDemand(1, TeamId: 10, T0, Waiting: [1, 2, 3, 4], InFlight: 1);
        var small = new RunDemand(2, TeamId: 20, T0.AddMinutes(5), Waiting: [0, 1], InFlight: 0);
        Assert.Equal([(2, 0)], ShardScheduler.Next([big, small], 1));
        // Both teams hold the same number of shards: alternate, the longer-waiting run first.
        Assert.Equal([(2, 0), (1, 1), (2, 1), (1, 2), (1, 3), (1, 4)], ShardScheduler.Next([big, small], 10));
    }

    [Fact]
    public void Runs_of_one_team_are_dispatched_in_the_order_they_were_queued()
    {
        var first = new RunDemand(7, 1, T0, [2, 3], 1);
        var second = new RunDemand(8, 1, T0.AddSeconds(1), [0, 1], 0);
        Assert.Equal([(7, 2), (7, 3), (8, 0), (8, 1)], ShardScheduler.Next([second, first], 4));
    }

    [Fact]
    public void A_team_with_more_shards_in_flight_waits_for_the_others()
    {
        var busy = new RunDemand(1, 1, T0, [5, 6], InFlight: 3);
        var a = new RunDemand(2, 2, T0.AddMinutes(1), [0], 1);
        var b = new RunDemand(3, 3, T0.AddMinutes(2), [0], 0);
        Assert.Equal([(3, 0), (2, 0), (1, 5)], ShardScheduler.Next([busy, a, b], 3));
    }

    [Fact]
    public void No_slot_or_nothing_waiting_dispatches_nothing()
    {
        Assert.Empty(ShardScheduler.Next([new RunDemand(1, 1, T0, [0], 0)], 0));
        Assert.Empty(ShardScheduler.Next([new RunDemand(1, 1, T0, [], 2)], 3));
        Assert.Empty(ShardScheduler.Next([], 3));
    }
}
