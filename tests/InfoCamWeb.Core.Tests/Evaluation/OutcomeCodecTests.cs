using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Tests.Evaluation;

public class OutcomeCodecTests
{
    [Fact]
    public void An_outcome_survives_encoding_unchanged()
    {
        var o = new ImageOutcome(7, "001.a/b,c.jpg", 3, 5, true, 0.25, -1.5, [new Box(1, 2, 3, 4), new Box(5, 6, 7, 8)],
            [new MapOutcome([1, 3, 15, 0], new Box(9, 9, 100, 120), 0.4999999999), new MapOutcome([], Box.None, 0)]);
        var back = OutcomeCodec.Decode(OutcomeCodec.Encode(o));
        Assert.Equal(o.Index, back.Index);
        Assert.Equal(o.ImageId, back.ImageId);
        Assert.Equal((o.TrueClass, o.PredictedClass, o.Top5, o.CrossEntropy, o.PcLogRatio), (back.TrueClass, back.PredictedClass, back.Top5, back.CrossEntropy, back.PcLogRatio));
        Assert.Equal(o.TruthBoxes, back.TruthBoxes);
        Assert.Equal(o.Methods[0].Hits, back.Methods[0].Hits);
        Assert.Equal(o.Methods[0].FixedBox, back.Methods[0].FixedBox);
        Assert.Equal(o.Methods[0].FixedIoU, back.Methods[0].FixedIoU);
        Assert.Empty(back.Methods[1].Hits);
    }
}
