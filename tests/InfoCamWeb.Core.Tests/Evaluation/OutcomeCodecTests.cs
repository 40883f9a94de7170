using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Tests.Evaluation;

public class OutcomeCodecTests
{
    [Fact]
    public void An_outcome_survives_encoding_unchanged()
    {
        var o = new ImageOutcome(7, "001.a/b,c.jpg", 3, 5, true, 0.25, -1.5, [new Box(1, 2, 3, 4), new Box(5, 6, 7, 8)],
            [new MapOutcome([1, 3, 15, 0], new Box(9, 9, 100, 120), 0.4999999999) { PointingHit = true, EnergyShare = 0.625 }, new MapOutcome([], Box.None, 0)]);
        var back = OutcomeCodec.Decode(OutcomeCodec.Encode(o));
        Assert.Equal(o.Index, back.Index);
        Assert.Equal(o.ImageId, back.ImageId);
        Assert.Equal((o.TrueClass, o.PredictedClass, o.Top5, o.CrossEntropy, o.PcLogRatio), (back.TrueClass, back.PredictedClass, back.Top5, back.CrossEntropy, back.PcLogRatio));
        Assert.Equal(o.TruthBoxes, back.TruthBoxes);
        Assert.Equal(o.Methods[0].Hits, back.Methods[0].Hits);
        Assert.Equal(o.Methods[0].FixedBox, back.Methods[0].FixedBox);
        Assert.Equal(o.Methods[0].FixedIoU, back.Methods[0].FixedIoU);
        Assert.Empty(back.Methods[1].Hits);
        Assert.Equal((true, 0.625), (back.Methods[0].PointingHit, back.Methods[0].EnergyShare));
        Assert.Equal((false, 0.0), (back.Methods[1].PointingHit, back.Methods[1].EnergyShare));
    }

    [Fact]
    public void The_top_classes_survive_encoding_with_their_probabilities()
    {
        var o = new ImageOutcome(0, "x.jpg", 1, 1, true, 0, 0, [], []) { TopClasses = [new ClassScore(1, 0.75), new ClassScore(0, 0.2), new ClassScore(2, 0.05)] };
        Assert.Equal(o.TopClasses, OutcomeCodec.Decode(OutcomeCodec.Encode(o)).TopClasses);
    }

    [Fact]
    public void An_outcome_stored_by_the_first_encoding_still_decodes_without_top_classes()
    {
        var v2 = OutcomeCodec.Encode(new ImageOutcome(4, "a.jpg", 2, 3, false, 1.5, 0, [new Box(0, 0, 9, 9)],
            [new MapOutcome([2], new Box(1, 1, 5, 5), 0.5)]) { TopClasses = [new ClassScore(3, 0.9)] });
        // Version 1 is the same bytes without the trailing blocks: top classes (one count byte and 12 bytes per class)
        // and pointing games (9 bytes per method).
        var v1 = v2[..^(13 + 9)];
        v1[0] = 1;
        var back = OutcomeCodec.Decode(v1);
        Assert.Equal((4, "a.jpg", 2, 3), (back.Index, back.ImageId, back.TrueClass, back.PredictedClass));
        Assert.Equal(0.5, back.Methods[0].FixedIoU);
        Assert.Empty(back.TopClasses);
        Assert.True(double.IsNaN(back.Methods[0].EnergyShare));
    }

    [Fact]
    public void An_outcome_stored_by_the_second_encoding_decodes_with_its_top_classes_and_no_pointing_games()
    {
        var v3 = OutcomeCodec.Encode(new ImageOutcome(4, "a.jpg", 2, 3, false, 1.5, 0, [new Box(0, 0, 9, 9)],
            [new MapOutcome([2], new Box(1, 1, 5, 5), 0.5) { PointingHit = true, EnergyShare = 0.5 }]) { TopClasses = [new ClassScore(3, 0.9)] });
        var v2 = v3[..^9];
        v2[0] = 2;
        var back = OutcomeCodec.Decode(v2);
        Assert.Equal([new ClassScore(3, 0.9)], back.TopClasses);
        Assert.False(back.Methods[0].PointingHit);
        Assert.True(double.IsNaN(back.Methods[0].EnergyShare));
    }

    [Fact]
    public void A_run_summing_outcomes_stored_before_the_pointing_games_reports_them_unknown_and_still_writes_its_json()
    {
        MapOutcome Map(double energy) => new MapOutcome([1], new Box(0, 0, 1, 1), 0.6) { PointingHit = true, EnergyShare = energy };
        var fresh = new ImageOutcome(0, "a.jpg", 0, 0, true, 0, 0, [new Box(0, 0, 1, 1)], [Map(0.5)]);
        var old = OutcomeCodec.Decode(OutcomeCodec.Encode(fresh)[..^9] is var v2 ? SetVersion(v2, 2) : []);
        var acc = new MetricsAccumulator([Core.Cams.CamMethod.Cam], [0.0], 2);
        acc.Add(fresh);
        acc.Add(old with { Index = 1, ImageId = "b.jpg" });
        var scores = acc.Methods(c => (c + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))["cam"];
        Assert.Null(scores.PointingGame);
        Assert.Null(scores.EnergyPointingGame);
        Assert.Empty(scores.PerClassPointingGame);
        Assert.Equal(100, scores.GtKnownLoc);
        Assert.Contains("\"pointingGame\": null", System.Text.Json.JsonSerializer.Serialize(scores, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    private static byte[] SetVersion(byte[] data, byte version)
    {
        data[0] = version;
        return data;
    }

    [Fact]
    public void An_unknown_encoding_version_is_refused()
    {
        var data = OutcomeCodec.Encode(new ImageOutcome(0, "a.jpg", 0, 0, true, 0, 0, [], []));
        data[0] = 9;
        Assert.Throws<InvalidDataException>(() => OutcomeCodec.Decode(data));
    }
}
