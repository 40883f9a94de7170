using InfoCamWeb.Core.Evaluation;

namespace InfoCamWeb.Core.Tests.Evaluation;

public class ImageRangeTests
{
    [Fact]
    public void A_split_is_cut_into_consecutive_ranges_of_the_size_and_a_shorter_last_one()
    {
        Assert.Equal([new ImageRange(0, 40), new ImageRange(40, 80), new ImageRange(80, 120), new ImageRange(120, 160)], ImageRange.Split(160, 40));
        Assert.Equal([new ImageRange(0, 1000), new ImageRange(1000, 2000), new ImageRange(2000, 2500)], ImageRange.Split(2500, 1000));
        Assert.Equal([new ImageRange(0, 7)], ImageRange.Split(7, 1000));
        Assert.Empty(ImageRange.Split(0, 10));
    }

    [Fact]
    public void A_size_below_one_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageRange.Split(10, 0));
    }

    [Fact]
    public void A_range_contains_its_start_but_not_its_end()
    {
        var r = new ImageRange(40, 80);
        Assert.True(r.Contains(40));
        Assert.True(r.Contains(79));
        Assert.False(r.Contains(80));
        Assert.False(r.Contains(39));
        Assert.Equal(40, r.Length);
    }
}
