using InfoCamWeb.Core.Cams;

namespace InfoCamWeb.Core.Tests.Cams;

public class CamComputerTests
{
    // K = 2 channels of 2x2, C = 3 classes.
    private static readonly float[] Features =
    [
        1, 2,
        3, 4,   // channel 0
        0, 1,
        0, 2,   // channel 1
    ];

    private static readonly Classifier Head = new(3, 2,
    [
        1, 2,   // class 0
        3, -1,  // class 1
        -1, 0,  // class 2
    ], [0.5f, 0, 0]);

    [Fact]
    public void Cam_is_the_channel_mean_of_the_target_weighted_features_without_relu()
    {
        var m = CamComputer.Compute(CamMethod.Cam, Head, Features, 2, 2, target: 0, logits: [0, 0, 0], window: 4);
        // (1*A0 + 2*A1)/2 = [(1+0)/2, (2+2)/2, (3+0)/2, (4+4)/2]
        Assert.Equal([0.5, 2, 1.5, 4], m);
        var m2 = CamComputer.Compute(CamMethod.Cam, Head, Features, 2, 2, target: 2, logits: [0, 0, 0], window: 4);
        Assert.Equal([-0.5, -1, -1.5, -2], m2);
    }

    [Fact]
    public void InfoCam_subtracts_the_mean_of_other_classes_and_sums_a_window_with_full_padding()
    {
        // target 0: w~ = [1,2] - mean([3,-1],[-1,0]) = [1,2] - [1,-0.5] = [0, 2.5]; P = 2.5 * A1 = [0, 2.5, 0, 5]
        var m = CamComputer.Compute(CamMethod.InfoCam, Head, Features, 2, 2, target: 0, logits: [0, 0, 0], window: 2);
        // 3x3 output of a 2x2 ones kernel with padding 1: each output sums P over the window ending at it.
        Assert.Equal([0, 2.5, 2.5, 0, 7.5, 7.5, 0, 5, 5], m);
    }

    [Fact]
    public void InfoCam_with_window_one_is_the_plain_pmi_difference_map()
    {
        var m = CamComputer.Compute(CamMethod.InfoCam, Head, Features, 2, 2, target: 0, logits: [0, 0, 0], window: 1);
        Assert.Equal([0, 2.5, 0, 5], m);
    }

    [Fact]
    public void InfoCamPlus_subtracts_the_weights_of_the_least_likely_class()
    {
        // least likely = class 1 (logit -3): w~ = [1,2] - [3,-1] = [-2, 3]; P = -2*A0 + 3*A1 = [-2, -1, -6, -2]
        var m = CamComputer.Compute(CamMethod.InfoCamPlus, Head, Features, 2, 2, target: 0, logits: [1, -3, 0], window: 1);
        Assert.Equal([-2, -1, -6, -2], m);
        // ties in the arg-min go to the first class
        var tie = CamComputer.Compute(CamMethod.InfoCamPlus, Head, Features, 2, 2, target: 0, logits: [5, -3, -3], window: 1);
        Assert.Equal([-2, -1, -6, -2], tie);
    }

    [Fact]
    public void Window_sum_map_grows_by_window_minus_one()
    {
        Assert.Equal((10, 10), CamComputer.MapSize(CamMethod.InfoCam, 7, 7, 4));
        Assert.Equal((7, 7), CamComputer.MapSize(CamMethod.Cam, 7, 7, 4));
        var ones = CamComputer.WindowSum(Enumerable.Repeat(1.0, 9).ToArray(), 3, 3, 4);
        Assert.Equal(36, ones.Length);
        Assert.Equal(9, ones.Sum() / 16, 10); // every input counted s*s times
    }

    [Fact]
    public void Classifier_logits_are_weights_times_pooled_features_plus_bias()
    {
        var logits = new double[3];
        Head.Logits([2.5, 0.75], logits);
        Assert.Equal([0.5 + 2.5 + 1.5, 7.5 - 0.75, -2.5], logits);
    }
}
