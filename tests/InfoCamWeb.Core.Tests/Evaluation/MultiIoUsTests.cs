using InfoCamWeb.Core.Evaluation;

namespace InfoCamWeb.Core.Tests.Evaluation;

public class MultiIoUsTests
{
    [Theory]
    [InlineData("30,50,70", new[] { 30, 50, 70 })]
    [InlineData(" 70, 30 ,50,30", new[] { 30, 50, 70 })]
    [InlineData("50", new[] { 50 })]
    [InlineData("100,1", new[] { 1, 100 })]
    public void A_list_reads_as_distinct_ascending_percentages(string text, int[] expected)
    {
        Assert.Equal(expected, MultiIoUs.Parse(text));
    }

    [Theory]
    [InlineData("", "--iou-thresholds: give 1 to 7 IoUs in percent, e.g. 30,50,70; 0 given.")]
    [InlineData("0.5", "--iou-thresholds: '0.5' is not a whole percentage (e.g. 30,50,70).")]
    [InlineData("30,101", "--iou-thresholds: 101 is not a percentage from 1 to 100.")]
    [InlineData("0,50", "--iou-thresholds: 0 is not a percentage from 1 to 100.")]
    [InlineData("10,20,30,40,50,60,70,80", "--iou-thresholds: give 1 to 7 IoUs in percent, e.g. 30,50,70; 8 given.")]
    public void A_bad_list_says_what_is_wrong(string text, string message)
    {
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => MultiIoUs.Parse(text)).Message);
    }
}
