using InfoCamWeb.Core.Imaging;

namespace InfoCamWeb.Core.Tests.Imaging;

public class OverlayTests
{
    /// <summary>
    /// A 5 x 5 image at the frame's size, grey 100: a 3 x 3 object in the middle, the top-left pixel ignored. The object's
    /// centre is tinted (100 · 0.7 + 200 · 0.3 = 130), its ring outlined in the colour, the ignored pixel greyed
    /// ((100 + 128) / 2 = 114), the rest untouched.
    /// </summary>
    [Fact]
    public void A_mask_is_outlined_tinted_inside_and_the_ignored_region_greyed()
    {
        var image = new RgbImage(5, 5, Enumerable.Repeat((byte)100, 75).ToArray());
        var truth = new byte[25];
        for (int y = 1; y <= 3; y++) for (int x = 1; x <= 3; x++) truth[y * 5 + x] = 1;
        truth[0] = 255;
        Overlay.DrawMask(image, truth, 5, (200, 200, 200));
        byte At(int x, int y) => image.Pixels[(y * 5 + x) * 3];
        Assert.Equal(130, At(2, 2));
        Assert.All(new[] { (1, 1), (2, 1), (3, 1), (1, 2), (3, 2), (1, 3), (2, 3), (3, 3) }, p => Assert.Equal(200, At(p.Item1, p.Item2)));
        Assert.Equal(114, At(0, 0));
        Assert.Equal(100, At(4, 4));
        Assert.Equal(100, At(0, 2));
    }

    [Fact]
    public void At_twice_the_frame_each_frame_pixel_covers_two_by_two_image_pixels()
    {
        var image = new RgbImage(4, 4, new byte[48]);
        Overlay.DrawMask(image, [1, 0, 0, 0], 2, (255, 0, 0), tint: 0);
        // The object's 2 x 2 block: every pixel has a neighbour outside it or off the image, so all are outline.
        Assert.Equal([255, 255, 0, 0], Enumerable.Range(0, 4).Select(x => image.Pixels[x * 3]));
        Assert.Equal([0, 0, 0, 0], Enumerable.Range(0, 4).Select(x => image.Pixels[(2 * 4 + x) * 3]));
    }
}
