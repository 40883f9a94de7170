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
        var headers = cut.FindAll("thead th").Select(th => th.TextContent.Replace("■", "").Trim()).ToList();
        Assert.Equal(["Metric", "CAM", "infoCAM"], headers);
        var top1Row = cut.FindAll("tbody tr").First(r => r.TextContent.Contains("Top-1 Loc"));
        Assert.Equal(["Top-1 Loc", "12.50", "33.33"], top1Row.QuerySelectorAll("td").Select(td => td.TextContent.Trim()));
        // The best of each score row is marked; a row where the methods tie marks nothing; details are indented sub-rows.
        Assert.Equal(["33.33"], top1Row.QuerySelectorAll("td.best").Select(td => td.TextContent.Trim()));
        var maxBoxAcc = cut.FindAll("tbody tr").First(r => r.QuerySelector("td")!.TextContent.Trim() == "MaxBoxAcc");
        Assert.Empty(maxBoxAcc.QuerySelectorAll("td.best"));
        Assert.Equal(["at threshold", "IoU 30", "IoU 50", "IoU 70"], cut.FindAll("tbody tr.sub-row").Select(r => r.QuerySelector("td")!.TextContent.Trim()));
        Assert.Contains("80.00 %", cut.Markup);
        Assert.DoesNotContain("PC-softmax", cut.Markup);
    }

    private static EvaluationResult WithPointing()
    {
        var r = Result();
        return r with
        {
            Methods = r.Methods.ToDictionary(kv => kv.Key, kv => kv.Value with
            {
                PointingGame = kv.Key == "cam" ? 90 : 95.5,
                EnergyPointingGame = 61.25,
                PerClassPointingGame = new() { ["1"] = 80, ["2"] = kv.Key == "cam" ? 100 : 75 },
                PerClassEnergyPointingGame = new() { ["1"] = 60, ["2"] = 62.5 },
            }),
        };
    }

    [Fact]
    public async Task Pointing_games_are_score_rows_and_a_result_without_them_shows_dashes()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<RunMetrics>(p => p.Add(c => c.Result, WithPointing()));
        var pointing = cut.FindAll("tbody tr").First(r => r.QuerySelector("td")!.TextContent.Trim() == "Pointing game");
        Assert.Equal(["Pointing game", "90.00", "95.50"], pointing.QuerySelectorAll("td").Select(td => td.TextContent.Trim()));
        Assert.Equal(["95.50"], pointing.QuerySelectorAll("td.best").Select(td => td.TextContent.Trim()));
        var old = ctx.Render<RunMetrics>(p => p.Add(c => c.Result, Result()));
        var energy = old.FindAll("tbody tr").First(r => r.QuerySelector("td")!.TextContent.Trim() == "Energy pointing game");
        Assert.Equal(["Energy pointing game", "—", "—"], energy.QuerySelectorAll("td").Select(td => td.TextContent.Trim()));
    }

    [Fact]
    public async Task Top_5_loc_is_a_row_only_for_models_with_more_than_five_classes()
    {
        await using var ctx = NewContext();
        var eight = WithPointing() with { Model = Result().Model with { NumClasses = 8 } };
        eight = eight with { Methods = eight.Methods.ToDictionary(kv => kv.Key, kv => kv.Value with { Top5Loc = kv.Key == "cam" ? 35 : 52.5 }) };
        var cut = ctx.Render<RunMetrics>(p => p.Add(c => c.Result, eight));
        var row = cut.FindAll("tbody tr").First(r => r.QuerySelector("td")!.TextContent.Trim() == "Top-5 Loc");
        Assert.Equal(["Top-5 Loc", "35.00", "52.50"], row.QuerySelectorAll("td").Select(td => td.TextContent.Trim()));
        var two = ctx.Render<RunMetrics>(p => p.Add(c => c.Result, WithPointing()));
        Assert.DoesNotContain(two.FindAll("tbody td"), td => td.TextContent.Trim() == "Top-5 Loc");
    }

    [Fact]
    public async Task The_per_class_table_switches_to_a_pointing_game_and_offers_none_for_results_without_them()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<PerClassTable>(p => p.Add(c => c.Result, WithPointing()));
        var select = cut.FindComponent<MudBlazor.MudSelect<PerClassTable.PerClassMetric>>();
        await cut.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(PerClassTable.PerClassMetric.PointingGame));
        Assert.Contains("Pointing game per class (%)", cut.Markup);
        var rows = cut.FindAll("tbody tr").Select(r => r.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList()).ToList();
        Assert.Equal(["1", "—", "80.00", "80.00"], rows[0]);
        Assert.Equal(["2", "—", "100.00", "75.00"], rows[1]);

        var old = ctx.Render<PerClassTable>(p => p.Add(c => c.Result, Result()));
        Assert.Empty(old.FindComponents<MudBlazor.MudSelect<PerClassTable.PerClassMetric>>());
        Assert.Contains("GT-known Loc per class (%)", old.Markup);
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
    public async Task Per_class_rows_give_the_image_count_and_open_the_image_browser_on_their_class()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<PerClassTable>(p => p
            .Add(c => c.Result, Result())
            .Add(c => c.ClassNames, new Dictionary<string, string> { ["1"] = "001.red_dot_finch", ["2"] = "002.blue_dot_finch" })
            .Add(c => c.ClassIndices, new Dictionary<string, int> { ["1"] = 0, ["2"] = 1 })
            .Add(c => c.ImageCounts, new Dictionary<int, int> { [0] = 7, [1] = 3 })
            .Add(c => c.ImagesHref, c => $"/runs/5/images?class={c}"));
        var rows = cut.FindAll("tbody tr").Select(r => r.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList()).ToList();
        Assert.Equal(["001.red_dot_finch", "7", "41.00", "56.00"], rows[0]);
        Assert.Equal(["002.blue_dot_finch", "3", "39.00", "54.00"], rows[1]);
        Assert.Equal(["/runs/5/images?class=0", "/runs/5/images?class=1"], cut.FindAll("tbody a").Select(a => a.GetAttribute("href")));
        Assert.DoesNotContain("420px", cut.Markup);
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

    [Fact]
    public async Task The_boxacc_chart_names_its_axes_and_gives_each_method_its_colour_maxboxacc_threshold_and_fixed_threshold_value()
    {
        await using var ctx = NewContext();
        // GT-known Loc (25) differs from the curve's point at t = 0 (20): the fixed-threshold figure is the protocol's GT-known Loc.
        var result = Result() with { Methods = new() { ["infocam+"] = Scores(10, 25), ["cam"] = Scores(12.5, 40) } };
        var cut = ctx.Render<BoxAccChart>(p => p.Add(c => c.Result, result));
        Assert.Contains("CAM threshold t", cut.Markup);
        Assert.Contains("BoxAcc (%)", cut.Markup);
        var caption = cut.Find("[data-testid=boxacc-markers]").TextContent;
        // Step 0.5: the curve [20, 60] is at t = 0 and 0.5, MaxBoxAcc 60 at 0.5; at the fixed threshold, GT-known Loc.
        Assert.Contains("infoCAM+: MaxBoxAcc 60.00 % at t = 0.5; at the fixed t = 0.2: 25.00 % (GT-known Loc)", System.Text.RegularExpressions.Regex.Replace(caption, @"\s+", " "));
        // The colour follows the method, not its position in the run.
        Assert.Contains($"color:{InfoCamWeb.Web.Features.MethodStyles.Hex(Core.Cams.CamMethod.InfoCamPlus)}", cut.Markup);
        Assert.Contains($"color:{InfoCamWeb.Web.Features.MethodStyles.Hex(Core.Cams.CamMethod.Cam)}", cut.Markup);
    }

    [Fact]
    public async Task The_boxacc_chart_marks_each_maxboxacc_on_its_curve_and_gt_known_loc_on_the_fixed_threshold_line()
    {
        await using var ctx = NewContext();
        var result = Result() with { Methods = new() { ["cam"] = Scores(12.5, 40) with { BoxAccCurve = [20, 60], MaxBoxAcc = 60, MaxBoxAccThreshold = 0.5 } } };
        var cut = ctx.Render<BoxAccChart>(p => p.Add(c => c.Result, result));
        // Worked by hand: the plot area is x 56..704 (720 wide, margins 56 and 16) and y 22..254 (300 high, margins 22 and
        // 46); the y axis runs to 60 (the highest BoxAcc rounded up to 10). So t = 0.5 is x 380, t = 0.2 is x 185.6,
        // BoxAcc 60 is y 22, 40 is y 99.33 and 20 is y 176.67.
        Assert.Equal("56,176.67 380,22", cut.Find("polyline[data-method=cam]").GetAttribute("points"));
        var dot = cut.Find("circle.max-marker[data-method=cam]");
        Assert.Equal(("380", "22"), (dot.GetAttribute("cx"), dot.GetAttribute("cy")));
        Assert.Contains("CAM: MaxBoxAcc 60.00 % at t = 0.5", dot.TextContent);
        // The diamond is GT-known Loc (40) on the dashed line at the fixed threshold 0.2.
        Assert.Equal("185.6", cut.Find("line.fixed-threshold").GetAttribute("x1"));
        var diamond = cut.Find("path.fixed-marker[data-method=cam]");
        Assert.Equal("M185.6,93.33 L191.6,99.33 L185.6,105.33 L179.6,99.33 Z", diamond.GetAttribute("d"));
        Assert.Contains("GT-known Loc 40.00 % at the fixed t = 0.2", diamond.TextContent);
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(5, false)]
    [InlineData(6, true)]
    [InlineData(200, true)]
    public async Task Top5_classification_is_shown_only_when_the_model_has_more_than_five_classes(int classes, bool shown)
    {
        await using var ctx = NewContext();
        var result = Result() with { Model = Result().Model with { NumClasses = classes } };
        var cut = ctx.Render<RunMetrics>(p => p.Add(c => c.Result, result));
        Assert.Equal(shown, cut.Markup.Contains("Top-5 Cls"));
    }

    [Fact]
    public async Task The_provider_line_tells_what_ran_without_the_operators_build_flag()
    {
        await using var ctx = NewContext();
        var run = new RunRecord { Status = RunStatus.Running, ImagesDone = 1, ImagesTotal = 2, ProviderUsed = "CPU (auto: no CUDA provider in this ONNX Runtime build (-p:UseCuda=true adds it))" };
        var cut = ctx.Render<RunProgress>(p => p.Add(c => c.Run, run));
        Assert.Contains("CPU (auto: no CUDA provider in this ONNX Runtime build)", cut.Markup);
        Assert.DoesNotContain("-p:", cut.Markup);
    }

    [Fact]
    public async Task A_running_run_lists_its_shards_and_a_finished_one_names_its_workers_in_a_line()
    {
        await using var ctx = NewContext();
        RunShardRecord[] shards =
        [
            new() { Index = 0, Start = 0, End = 40, State = ShardState.Done, WorkerName = "gpu1-0", Attempts = 1 },
            new() { Index = 1, Start = 40, End = 80, State = ShardState.Running, WorkerName = "gpu2-0", Attempts = 2 },
            new() { Index = 2, Start = 80, End = 100, State = ShardState.Queued },
        ];
        var active = ctx.Render<RunShards>(p => p.Add(c => c.Shards, shards).Add(c => c.Active, true));
        var rows = active.FindAll("tbody tr").Select(r => string.Join("|", r.QuerySelectorAll("td").Select(td => td.TextContent.Trim()))).ToList();
        Assert.Equal(["1|1–40|done|gpu1-0|1", "2|41–80|running|gpu2-0|2", "3|81–100|queued|—|0"], rows);
        var done = ctx.Render<RunShards>(p => p.Add(c => c.Shards, shards));
        Assert.Equal("· 3 shards on gpu1-0, gpu2-0", System.Text.RegularExpressions.Regex.Replace(done.Find("[data-testid=run-shards]").TextContent, @"\s+", " ").Trim());
    }
}
