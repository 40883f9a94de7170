using InfoCamWeb.Core.Cams;
using InfoCamWeb.Data;
using InfoCamWeb.Web.Features;
using InfoCamWeb.Web.Features.Leaderboard;

namespace InfoCamWeb.Web.Tests.Features;

/// <summary>How methods, providers and boards are presented, the same on every page.</summary>
public class PresentationTests
{
    [Fact]
    public void Every_method_has_its_own_colour_and_none_is_the_ground_truth_green()
    {
        var colours = CamMethods.All.Select(MethodStyles.Hex).ToList();
        Assert.Equal(colours.Count, colours.Distinct().Count());
        Assert.DoesNotContain("#28dc3c", colours);
        Assert.Equal(["CAM", "infoCAM", "infoCAM+"], new[] { "cam", "infocam", "infocam+" }.Select(MethodStyles.Name));
    }

    [Theory]
    [InlineData("CPU (auto: no CUDA provider in this ONNX Runtime build (-p:UseCuda=true adds it))", "CPU (auto: no CUDA provider in this ONNX Runtime build)")]
    [InlineData("CUDA (GPU 1)", "CUDA (GPU 1)")]
    [InlineData("CPU", "CPU")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void The_provider_shown_to_people_keeps_what_ran_and_why_but_not_build_flags(string? stored, string shown) =>
        Assert.Equal(shown, ProviderText.ForPeople(stored));

    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static BoardSummary Board(int dataset, params (int Team, int Minutes)[] published) =>
        new(new BoardKey(dataset, "test", "resize224"), $"d{dataset}", published.Length, published.Length,
            published.ToDictionary(p => p.Team, p => T0.AddMinutes(p.Minutes)));

    [Fact]
    public void Leaderboards_open_where_the_visitors_team_published_last_else_where_anyone_did()
    {
        var boards = new[] { Board(1, (1, 0), (7, 5)), Board(2, (7, 1), (8, 30)), Board(3, (9, 60)) };
        var member = new Actor("u", new HashSet<int> { 7 }, 7, new HashSet<int>());
        Assert.Equal(1, LeaderboardPage.LatestBoard(boards, member).Key.DatasetId);
        Assert.Equal(3, LeaderboardPage.LatestBoard(boards, Actor.Anonymous).Key.DatasetId);
    }
}

public class DownloadNameTests
{
    [Theory]
    [InlineData("ResNet-18 (ImageNet init)", "CUB 200 / 2011", "test", "json", "run-12-resnet-18-imagenet-init-cub-200-2011-test.json")]
    [InlineData("../../etc/passwd", "demo", "all", "images.csv", "run-12-etc-passwd-demo-all.images.csv")]
    [InlineData("", "", "test", "json", "run-12-test.json")]
    public void Downloads_are_named_after_the_run_its_model_and_its_dataset_in_safe_characters(string model, string dataset, string split, string extension, string expected)
    {
        var run = new InfoCamWeb.Data.Entities.RunRecord
        {
            Id = 12, Split = split,
            Model = new InfoCamWeb.Data.Entities.ModelRecord { Name = model, StoredPath = "", Sha256 = "" },
            Dataset = new InfoCamWeb.Data.Entities.DatasetRecord { Name = dataset, Folder = "" },
        };
        Assert.Equal(expected, InfoCamWeb.Web.Features.Runs.RunDownloads.FileName(run, extension));
    }
}
