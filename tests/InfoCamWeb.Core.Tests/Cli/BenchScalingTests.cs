using InfoCamWeb.Cli.Commands;
using static InfoCamWeb.Cli.Commands.PostOnlyBenchCommand;

namespace InfoCamWeb.Core.Tests.Cli;

public class BenchScalingTests
{
    private static readonly StageMilliseconds NoStages = new(0, 0, 0, 0, 0, 0);

    /// <summary>A row as MeasureAsync makes it: the median pass's rate, every pass's rate in the order they ran.</summary>
    private static BenchRow Row(double step, int cores, double median, params double[] passes) =>
        new(step, cores, 800, median, 0, NoStages) { Repeats = passes };

    [Fact]
    public void Scaling_is_the_median_of_each_rounds_ratio_with_the_ratio_of_the_medians_beside_it()
    {
        // Rounds: 190/100 = 1.9, 300/200 = 1.5, 660/300 = 2.2; their median 1.9. Medians: 300/200 = 1.5.
        var rows = new[] { Row(0.01, 1, 200, 100, 200, 300), Row(0.01, 2, 300, 190, 300, 660) };

        var s = Assert.Single(Scaling.Of(rows));

        Assert.Equal((0.01, 1, 2, 3), (s.ThresholdStep, s.FromCores, s.Cores, s.Pairs));
        Assert.Equal(1.9, s.Paired, 12);
        Assert.Equal(1.5, s.OfMedians, 12);
    }

    [Fact]
    public void An_even_number_of_rounds_takes_the_mean_of_the_two_middle_ratios_and_each_step_is_scaled_on_its_own()
    {
        var rows = new[]
        {
            Row(0.01, 1, 100, 100, 100), Row(0.01, 2, 150, 150, 250), // 1.5 and 2.5
            Row(0.001, 1, 50, 50, 50), Row(0.001, 2, 90, 90, 95), // 1.8 and 1.9
        };

        var scaling = Scaling.Of(rows);

        Assert.Equal([0.01, 0.001], scaling.Select(s => s.ThresholdStep));
        Assert.Equal(2.0, scaling[0].Paired, 12);
        Assert.Equal(1.85, scaling[1].Paired, 12);
    }

    [Fact]
    public void One_core_count_has_nothing_to_scale_from()
    {
        Assert.Empty(Scaling.Of([Row(0.01, 2, 300, 300)]));
    }
}
