using InfoCamWeb.Core.Cams;

namespace InfoCamWeb.Core.Tests.Cams;

public class ScoreCamTests
{
    [Fact]
    public void A_mask_is_the_channel_upsampled_with_corners_aligned_and_normalised_with_the_1e_minus_8_epsilon()
    {
        // 2 x 2 -> 3 x 3 with corners aligned: the middle row and column are the means of their neighbours.
        var mask = ScoreCam.Mask([0, 2, 4, 6], 2, 2, 3);
        double[] up = [0, 1, 2, 2, 3, 4, 4, 5, 6];
        Assert.Equal(up.Select(v => v / (6 + 1e-8)), mask);
    }

    [Fact]
    public void A_cap_keeps_the_channels_of_largest_mean_with_ties_to_the_lower_index()
    {
        float[] features = [1, 1, 5, 5, 3, 3, 5, 5]; // four channels of two positions: means 1, 5, 3, 5
        Assert.Equal([0, 1, 2, 3], ScoreCam.Channels(features, 4, 2, null));
        Assert.Equal([1, 3], ScoreCam.Channels(features, 4, 2, 2));
        Assert.Equal([1], ScoreCam.Channels(features, 4, 2, 1));
        Assert.Equal([0, 1, 2, 3], ScoreCam.Channels(features, 4, 2, 9));
    }

    [Fact]
    public void Channels_are_weighted_by_the_softmax_of_the_masked_inputs_target_scores()
    {
        // Two channels of 1 x 2, input 2 x 2 (S = 2) of ones. Channel 0 = [0, 1] masks the right column, channel 1 = [1, 0]
        // the left one. The fake model scores class 1 as the sum of the masked input's first plane: both give 2 (minus eps).
        float[] features = [0, 1, 1, 0];
        var image = Enumerable.Repeat(1f, 3 * 4).ToArray();
        var calls = new List<int>();
        float[] Model(float[] input, int n)
        {
            calls.Add(n);
            var logits = new float[n * 2];
            for (int i = 0; i < n; i++) logits[i * 2 + 1] = input.AsSpan(i * 12, 4).ToArray().Sum();
            return logits;
        }
        var map = ScoreCam.Compute(image, 2, features, 2, 1, 2, target: 1, channelCap: null, batch: 1, Model);
        // Equal scores: weights 1/2 each, map = 0.5 * [0, 1] + 0.5 * [1, 0].
        Assert.Equal([1, 1], calls);
        Assert.Equal(0.5, map[0], 12);
        Assert.Equal(0.5, map[1], 12);
    }

    [Fact]
    public void The_cost_says_images_times_channels_and_the_cap()
    {
        Assert.Equal("Score-CAM adds 160 images x 128 channels = 20,480 forward passes of the whole model (128 per image besides the run's one).",
            ScoreCam.CostText(160, 128, null));
        Assert.Equal("Score-CAM adds 5,794 images x 64 channels = 370,816 forward passes of the whole model (64 per image besides the run's one); capped from the model's 2,048 channels.",
            ScoreCam.CostText(5794, 2048, 64));
    }
}
