using Bunit;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Components.Shared;
using InfoCamWeb.Web.Features.Runs;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace InfoCamWeb.Web.Tests.Features;

/// <summary>Components rendered with bUnit and MudBlazor's services.</summary>
public class ComponentTests
{
    private static BunitContext NewContext()
    {
        var ctx = new BunitContext();
        ctx.Services.AddMudServices();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        return ctx;
    }

    private static EvaluationResult Result() => new()
    {
        Model = new ModelInfo("m", "sha", "feat", 2, 224, "CPU", "GlobalAveragePool -> Flatten -> Gemm(transB=1)"),
        Dataset = new DatasetInfo("d", "test", 10, 2),
        Settings = new SettingsInfo("resize224", 0.2, 0.5, 4),
        Classification = new ClassificationScores(80, 100, 0.5, null),
        Methods = new Dictionary<string, MethodScores>
        {
            ["cam"] = Scores(12.5, 40),
            ["infocam"] = Scores(33.333333, 55),
        },
        Images = 10,
        Seconds = new StageSeconds(1, 0, 0, 0, 0),
    };

    private static MethodScores Scores(double top1Loc, double gtKnown) => new()
    {
        Top1Loc = top1Loc,
        GtKnownLoc = gtKnown,
        MaxBoxAcc = 60,
        MaxBoxAccThreshold = 0.5,
        MaxBoxAccV2 = 50,
        MaxBoxAccV2ByIou = new() { ["30"] = 70, ["50"] = 50, ["70"] = 30 },
        BoxAccCurve = [20, 60],
        PerClassGtKnownLoc = new() { ["1"] = gtKnown + 1, ["2"] = gtKnown - 1 },
    };

    [Fact]
    public async Task Run_metrics_show_every_method_side_by_side_with_two_decimals()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<RunMetrics>(p => p.Add(c => c.Result, Result()));
        var headers = cut.FindAll("thead th").Select(th => th.TextContent.Trim()).ToList();
        Assert.Equal(["Metric", "CAM", "infoCAM"], headers);
        var top1Row = cut.FindAll("tbody tr").First(r => r.TextContent.Contains("Top-1 Loc"));
        Assert.Equal(["Top-1 Loc", "12.50", "33.33"], top1Row.QuerySelectorAll("td").Select(td => td.TextContent.Trim()));
        Assert.Contains("80.00 %", cut.Markup);
        Assert.DoesNotContain("PC-softmax", cut.Markup);
    }

    [Fact]
    public async Task Per_class_table_shows_class_names_when_given()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<PerClassTable>(p => p
            .Add(c => c.Result, Result())
            .Add(c => c.ClassNames, new Dictionary<string, string> { ["1"] = "001.red_dot_finch", ["2"] = "002.blue_dot_finch" }));
        Assert.Contains("001.red_dot_finch", cut.Markup);
        Assert.Contains("41.00", cut.Markup);
        Assert.Contains("54.00", cut.Markup);
    }

    [Fact]
    public async Task Run_progress_shows_images_rate_eta_and_provider_while_running()
    {
        await using var ctx = NewContext();
        var run = new RunRecord { Status = RunStatus.Running, ImagesDone = 50, ImagesTotal = 200, ImagesPerSecond = 10, ProviderUsed = "CPU" };
        var cut = ctx.Render<RunProgress>(p => p.Add(c => c.Run, run));
        Assert.Contains("50 / 200 images (25 %)", cut.Markup);
        Assert.Contains("10.0 images/s", cut.Markup);
        Assert.Contains("ETA 00:00:15", cut.Markup);
        Assert.Contains("CPU", cut.Markup);
    }

    [Fact]
    public async Task A_finished_run_shows_its_status_instead_of_progress()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<RunProgress>(p => p.Add(c => c.Run, new RunRecord { Status = RunStatus.Failed }));
        Assert.Contains("failed", cut.Markup);
        Assert.DoesNotContain("images/s", cut.Markup);
    }
}
