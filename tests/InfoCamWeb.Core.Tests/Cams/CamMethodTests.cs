using InfoCamWeb.Core.Cams;

namespace InfoCamWeb.Core.Tests.Cams;

public class CamMethodTests
{
    [Theory]
    [InlineData("gradcam++", CamMethod.GradCamPlusPlus)]
    [InlineData("gradcam-plus-plus", CamMethod.GradCamPlusPlus)]
    [InlineData("Grad-CAM++", CamMethod.GradCamPlusPlus)]
    [InlineData(" Grad-CAM ", CamMethod.GradCam)]
    [InlineData("infocam-plus", CamMethod.InfoCamPlus)]
    [InlineData("infocamplus", CamMethod.InfoCamPlus)]
    [InlineData("XGrad-CAM", CamMethod.XGradCam)]
    [InlineData("eigencam", CamMethod.EigenCam)]
    public void A_method_is_found_by_its_key_its_url_key_or_its_display_name(string text, CamMethod expected)
    {
        Assert.True(CamMethods.TryParse(text, out var method));
        Assert.Equal(expected, method);
    }

    [Fact]
    public void Every_method_round_trips_through_its_key_and_url_key_and_url_keys_need_no_escaping()
    {
        foreach (var m in CamMethods.Every)
        {
            Assert.True(CamMethods.TryParse(m.Key(), out var byKey) && byKey == m, m.Key());
            Assert.True(CamMethods.TryParse(m.UrlKey(), out var byUrl) && byUrl == m, m.UrlKey());
            Assert.Matches("^[a-z-]+$", m.UrlKey());
        }
        Assert.Equal(CamMethods.Every.Length, CamMethods.Every.Select(m => m.UrlKey()).Distinct().Count());
    }

    [Fact]
    public void A_list_keeps_its_order_drops_repeats_and_names_every_method_when_one_is_unknown()
    {
        Assert.Equal([CamMethod.LayerCam, CamMethod.Cam], CamMethods.ParseList("layercam, cam ,LayerCAM"));
        var ex = Assert.Throws<FormatException>(() => CamMethods.ParseList("cam,gradcam+++"));
        Assert.Equal("Unknown method 'gradcam+++': expected one of cam, infocam, infocam+, gradcam, hirescam, xgradcam, gradcam++, layercam, eigencam, ablationcam, scorecam.", ex.Message);
    }
}
