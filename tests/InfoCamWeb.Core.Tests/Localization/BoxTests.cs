using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Tests.Localization;

public class BoxTests
{
    [Fact]
    public void Iou_counts_pixels_inclusively()
    {
        // 2x2 boxes overlapping in one column: 2 shared pixels of 4 + 4 - 2 = 6.
        var a = new Box(0, 0, 1, 1);
        var b = new Box(1, 0, 2, 1);
        Assert.Equal(2.0 / 6.0, a.IoU(b), 12);
        Assert.Equal(1.0, a.IoU(a));
    }

    [Fact]
    public void Disjoint_boxes_have_zero_iou_and_the_empty_box_covers_one_pixel()
    {
        Assert.Equal(0, new Box(0, 0, 1, 1).IoU(new Box(5, 5, 6, 6)));
        Assert.Equal(1.0 / 4.0, Box.None.IoU(new Box(0, 0, 1, 1)), 12);
    }
}
