using InfoCamWeb.Web.Features.Images;

namespace InfoCamWeb.Web.Tests.Features.Images;

public class HeatmapScaleTests
{
    [Fact]
    public void The_colour_bar_passes_through_the_heatmap_colours_at_each_bend_of_jet()
    {
        // jet is piecewise linear with bends at 1/8, 3/8, 5/8 and 7/8: dark blue, blue, cyan, yellow, red, dark red.
        Assert.Equal("linear-gradient(to right, rgb(0,0,128) 0%, rgb(0,0,255) 12.5%, rgb(0,255,255) 37.5%, rgb(255,255,0) 62.5%, "
            + "rgb(255,0,0) 87.5%, rgb(128,0,0) 100%)", HeatmapScale.CssGradient());
    }
}
