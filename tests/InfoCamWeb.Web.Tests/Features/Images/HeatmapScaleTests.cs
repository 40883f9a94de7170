using InfoCamWeb.Web.Features.Images;

namespace InfoCamWeb.Web.Tests.Features.Images;

public class HeatmapScaleTests
{
    [Fact]
    public void The_colour_bar_runs_from_dark_blue_to_dark_red_like_the_heatmaps()
    {
        var css = HeatmapScale.CssGradient();
        // jet(0) = (0, 0, 0.5) and jet(1) = (0.5, 0, 0), scaled to bytes and rounded.
        Assert.StartsWith("linear-gradient(to right, rgb(0,0,128) 0%, ", css);
        Assert.EndsWith(", rgb(128,0,0) 100%)", css);
        Assert.Equal(6, css.Split("rgb(").Length - 1);
    }
}
