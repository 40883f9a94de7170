using InfoCamWeb.Core.Evaluation;

namespace InfoCamWeb.Core.Tests.Evaluation;

public class TopClassesTests
{
    [Fact]
    public void The_five_largest_logits_come_first_with_ties_to_the_lower_class()
    {
        float[] logits = [1, 3, 3, 0, 2, -1, 5];
        double sum = logits.Sum(l => Math.Exp(l - 5));
        var top = Evaluator.TopClasses(logits, 5, sum);
        Assert.Equal([6, 1, 2, 4, 0], top.Select(t => t.Class));
        Assert.Equal(1 / sum, top[0].Probability, 15);
        Assert.Equal(Math.Exp(-2) / sum, top[1].Probability, 15);
    }

    [Fact]
    public void Probabilities_are_the_softmax_worked_by_hand()
    {
        // exp of the logits: 1, 3, 1, so the softmax is 0.2, 0.6, 0.2.
        float[] logits = [0, (float)Math.Log(3), 0];
        double max = logits[1];
        var top = Evaluator.TopClasses(logits, max, logits.Sum(l => Math.Exp(l - max)));
        Assert.Equal([1, 0, 2], top.Select(t => t.Class));
        Assert.Equal([0.6, 0.2, 0.2], top.Select(t => Math.Round(t.Probability, 6)));
    }
}
