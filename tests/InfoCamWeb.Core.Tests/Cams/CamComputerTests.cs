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

    // The family on the same example: K = 2, h w = 4, so the gradient of z_y is g_k = W[y,k] / 4 everywhere.

    [Fact]
    public void Grad_cam_and_hires_cam_weight_channels_by_the_constant_gradient_and_clip_negatives()
    {
        // target 1: g = [3/4, -1/4]; 0.75*A0 - 0.25*A1 = [0.75, 1.25, 2.25, 2.5]
        foreach (var method in new[] { CamMethod.GradCam, CamMethod.HiResCam })
        {
            Assert.Equal([0.75, 1.25, 2.25, 2.5], Family(method, target: 1));
            // target 2: g = [-1/4, 0]: every value negative, all clipped
            Assert.Equal([0, 0, 0, 0], Family(method, target: 2));
        }
        // Grad-CAM is CAM times K / (h w) = 1/2 with negatives clipped: CAM of target 0 is [0.5, 2, 1.5, 4].
        Assert.Equal([0.25, 1, 0.75, 2], Family(CamMethod.GradCam, target: 0));
    }

    [Fact]
    public void XGrad_cam_scales_each_gradient_by_the_channel_sum_over_itself_plus_1e_minus_7()
    {
        // target 1: sums S = [10, 3]; weights 0.75 * 10 / (10 + 1e-7) and -0.25 * 3 / (3 + 1e-7)
        double w0 = 0.75 * 10 / (10 + 1e-7), w1 = -0.25 * 3 / (3 + 1e-7);
        AssertClose([w0 * 1, w0 * 2 + w1, w0 * 3, w0 * 4 + 2 * w1], Family(CamMethod.XGradCam, target: 1));
    }

    [Fact]
    public void Grad_cam_plus_plus_weights_positive_gradients_by_the_second_and_third_order_term()
    {
        // target 0: g = [1/4, 1/2], S = [10, 3]; a_k = g^2 / (2 g^2 + S g^3 + 1e-6), weight = 4 * g * a_k
        double a0 = 0.0625 / (0.125 + 10 * 0.015625 + 1e-6), a1 = 0.25 / (0.5 + 3 * 0.125 + 1e-6);
        double w0 = 4 * 0.25 * a0, w1 = 4 * 0.5 * a1;
        AssertClose([w0 * 1, w0 * 2 + w1, w0 * 3, w0 * 4 + 2 * w1], Family(CamMethod.GradCamPlusPlus, target: 0));
        // target 1: g1 = -1/4 is not positive, so only channel 0 counts: a0 = 0.5625 / (1.125 + 10 * 0.421875 + 1e-6)
        double b0 = 4 * 0.75 * (0.5625 / (1.125 + 10 * 0.421875 + 1e-6));
        AssertClose([b0, 2 * b0, 3 * b0, 4 * b0], Family(CamMethod.GradCamPlusPlus, target: 1));
    }

    [Fact]
    public void Layer_cam_keeps_only_positive_gradients()
    {
        // target 1: max(g, 0) = [3/4, 0]
        Assert.Equal([0.75, 1.5, 2.25, 3], Family(CamMethod.LayerCam, target: 1));
    }

    [Fact]
    public void Ablation_cam_weights_each_channel_by_the_relative_score_drop_when_it_is_zeroed()
    {
        // target 0 with z_0 = 2: channel means [2.5, 0.75]; zeroing channel k drops z by W[0,k] * mean_k,
        // so the weights are 1 * 2.5 / 2 = 1.25 and 2 * 0.75 / 2 = 0.75: 1.25 A0 + 0.75 A1
        Assert.Equal([1.25, 3.25, 3.75, 6.5], Family(CamMethod.AblationCam, target: 0, score: 2));
        // A negative score flips the weights (pytorch-grad-cam divides by it too): all clipped.
        Assert.Equal([0, 0, 0, 0], Family(CamMethod.AblationCam, target: 0, score: -2));
        // A zero score leaves no relative drop: an all-zero map, not infinities.
        Assert.Equal([0, 0, 0, 0], Family(CamMethod.AblationCam, target: 0, score: 0));
    }

    [Fact]
    public void Eigen_cam_projects_the_centred_activations_on_their_first_principal_axis_pointing_to_the_channel_sum()
    {
        // Centred X (positions x channels): A0 - 2.5 = [-1.5, -0.5, 0.5, 1.5], A1 - 0.75 = [-0.75, 0.25, -0.75, 1.25].
        // X^T X = [[5, 2.5], [2.5, 2.75]]: largest eigenvalue (7.75 + sqrt(7.75^2 - 4 * 7.5)) / 2, eigenvector (2.5, l - 5).
        double l = (7.75 + Math.Sqrt(7.75 * 7.75 - 4 * 7.5)) / 2, n = Math.Sqrt(2.5 * 2.5 + (l - 5) * (l - 5));
        double v0 = 2.5 / n, v1 = (l - 5) / n;
        double[] projection = [-1.5 * v0 - 0.75 * v1, -0.5 * v0 + 0.25 * v1, 0.5 * v0 - 0.75 * v1, 1.5 * v0 + 1.25 * v1];
        // It correlates positively with A0 + A1 = [1, 3, 3, 6], so this sign is kept; then ReLU. The class does not matter.
        var expected = projection.Select(v => Math.Max(v, 0)).ToArray();
        AssertClose(expected, Family(CamMethod.EigenCam, target: 0));
        AssertClose(expected, Family(CamMethod.EigenCam, target: 2));
    }

    private static double[] Family(CamMethod method, int target, float score = 1) =>
        CamComputer.Compute(method, Head, Features, 2, 2, target, logits: [score, score, score], window: 4);

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-12);
    }
}
