using System.Globalization;
using System.Text;
using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace InfoCamWeb.Web.Features.Leaderboard;

public sealed record BoardKey(int DatasetId, string Split, string Protocol);

public sealed record BoardSummary(BoardKey Key, string DatasetName, int Runs, int Teams, IReadOnlyDictionary<int, DateTimeOffset> LatestByTeam)
{
    /// <summary>When a run was last published to this board.</summary>
    public DateTimeOffset LatestPublishedAt => LatestByTeam.Values.Max();
}

/// <summary>A row's method for the paired tests: its index in the run's method list, and the run's MaxBoxAccV2 IoU count.</summary>
public sealed record ComparedMethod(int Method, int MultiIoUs);

public sealed record BoardRow(
    int Rank, int RunId, string Team, bool IsBaseline, string Model, string Method,
    double Top1Loc, double GtKnownLoc, double MaxBoxAcc, double MaxBoxAccV2, double Top1Cls,
    double Score, double CiLow, double CiHigh, DateTimeOffset Date)
{
    /// <summary>PxAP, on the board of a mask dataset; null otherwise.</summary>
    public double? Pxap { get; init; }

    /// <summary>The leader minus this row on the ranking metric, paired over the images; null for the leader (or runs over other images).</summary>
    public LeaderGap? VsLeader { get; init; }

    /// <summary>Not distinguishable from the leader at the 5 % level (the leader itself too).</summary>
    public bool TiedAtTop { get; init; }

    /// <summary>What the run was evaluated with: fixed threshold, threshold step, infoCAM window, the methods it ran.</summary>
    public string Settings { get; init; } = "";

    /// <summary>The row's method as the paired tests need it: its index in the run's list and the run's MaxBoxAccV2 IoU count.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    internal ComparedMethod Compared { get; init; } = new(0, MultiIoUs.Default.Count);
}

/// <summary>
/// How far a row is from the leader: the leader's metric minus the row's, its paired bootstrap 95 % interval, and the
/// p-value that decides (McNemar's exact test for hit/miss metrics, else the bootstrap's), docs/methods.md.
/// </summary>
public sealed record LeaderGap(double Difference, double Low, double High, double P, string Test)
{
    public static LeaderGap Of(PairedDifference d) => new(d.Difference, d.Low, d.High, d.P, d.Test);
}

/// <summary>A board's rows and how they are ranked (a mask dataset's board ranks by PxAP unless asked otherwise).</summary>
public sealed record Board(string DatasetName, List<BoardRow> Rows, RankingMetric Metric, bool Masks);

/// <summary>
/// Leaderboards, one per (dataset, split, protocol), of the runs teams published: ranked by a chosen metric for a
/// chosen method (or each run's best method), one row per team by default, each with a 95 % bootstrap interval.
/// </summary>
public sealed class LeaderboardService(IDbContextFactory<InfoCamDbContext> dbFactory, Runs.RunService runService) : IDisposable
{
    public static readonly string[] Methods = ["best", .. CamMethods.Every.Select(m => m.Key())];

    /// <summary>
    /// Bootstrap intervals and paired gaps, which cost a read of the runs' outcomes and thousands of resamples: kept
    /// across boards, at most <see cref="CachedTests"/> of them (the least recently used go first; a deleted run's go in time).
    /// </summary>
    private readonly MemoryCache _tests = new(new MemoryCacheOptions { SizeLimit = CachedTests });

    internal const int CachedTests = 20_000;

    private sealed record IntervalKey(int Run, int Method, RankingMetric Metric);

    private sealed record GapKey(int Leader, int LeaderMethod, int Run, int Method, RankingMetric Metric);

    private void Keep(object key, object? value) => _tests.Set(key, value, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromDays(1) });

    public void Dispose() => _tests.Dispose();

    public async Task<List<BoardSummary>> BoardsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var runs = await db.Runs.AsNoTracking().Include(r => r.Dataset)
            .Where(r => r.Published && r.Status == RunStatus.Succeeded).ToListAsync(ct);
        return runs.GroupBy(r => new BoardKey(r.DatasetId, r.Split, r.Protocol))
            .Select(g => new BoardSummary(g.Key, g.First().Dataset!.Name, g.Count(), g.Select(r => r.TeamId).Distinct().Count(),
                g.GroupBy(r => r.TeamId).ToDictionary(t => t.Key, t => t.Max(r => r.PublishedAt ?? r.FinishedAt ?? r.QueuedAt))))
            .OrderBy(b => b.DatasetName).ThenBy(b => b.Key.Split).ToList();
    }

    /// <summary>The board of published runs for the key; null when no run is published to it (nothing tells such a key apart from a missing one).</summary>
    public async Task<Board?> BoardAsync(BoardKey key, RankingMetric? requested, string method, bool allRuns, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var runs = await db.Runs.AsNoTracking().Include(r => r.Team).Include(r => r.Model).Include(r => r.Dataset)
            .Where(r => r.Published && r.Status == RunStatus.Succeeded && r.DatasetId == key.DatasetId && r.Split == key.Split && r.Protocol == key.Protocol)
            .ToListAsync(ct);
        // A board exists once a run is published to it: a private dataset without published runs answers exactly as a
        // missing id (its name never leaves the server), and so does any other split or protocol text.
        if (runs.Count == 0) return null;
        var datasetName = runs[0].Dataset!.Name;
        bool masks = ResultFiles.FromJson(runs[0].ResultJson!).Dataset.HasMasks;
        // PxAP exists on mask boards only; asked for elsewhere (a link, a board switched to), the board's default ranks.
        var metric = requested is RankingMetric r && (r != RankingMetric.Pxap || masks) ? r : masks ? RankingMetric.Pxap : RankingMetric.Top1Loc;
        var rows = await RankAsync(runs, metric, method, onePerTeam: !allRuns, ct);
        return new Board(datasetName, rows, metric, masks);
    }

    /// <summary>
    /// Ranks finished runs (loaded with team and model) by <paramref name="metric"/> for <paramref name="method"/> ("best":
    /// each run's best method), each team's best run only when <paramref name="onePerTeam"/>, with each row's bootstrap
    /// interval and its paired gap to the leader. Also the ranking of benchmark phases.
    /// </summary>
    internal async Task<List<BoardRow>> RankAsync(IReadOnlyList<RunRecord> runs, RankingMetric metric, string method, bool onePerTeam, CancellationToken ct)
    {
        var candidates = new List<(RunRecord Run, string Method, int MethodIndex, MethodScores Scores, EvaluationResult Result, double Score)>();
        foreach (var run in runs)
        {
            var result = ResultFiles.FromJson(run.ResultJson!);
            // MaxBoxAccV2 is a mean over the run's IoU list: runs with another list than 30/50/70 are not ranked by it.
            if (metric == RankingMetric.MaxBoxAccV2 && !MultiIoUs.IsDefault(result.Settings.MultiIoUs)) continue;
            var keys = result.Methods.Keys.ToList();
            var options = method == "best" ? keys : keys.Where(k => k == method).ToList();
            var best = options.Select(k => (Key: k, Score: Score(result, result.Methods[k], metric)))
                .OrderByDescending(x => x.Score).FirstOrDefault();
            if (best.Key is null) continue;
            candidates.Add((run, best.Key, keys.IndexOf(best.Key), result.Methods[best.Key], result, best.Score));
        }
        var chosen = !onePerTeam
            ? candidates
            : candidates.GroupBy(c => c.Run.TeamId).Select(g => g.OrderByDescending(c => c.Score).ThenBy(c => c.Run.FinishedAt).First()).ToList();
        var ordered = chosen.OrderByDescending(c => c.Score).ThenBy(c => c.Run.FinishedAt).ToList();
        var rows = new List<BoardRow>();
        // Each run's outcomes are read at most once per board, for its interval and its gap to the leader.
        var read = new Dictionary<int, Task<List<ImageOutcome>>>();
        Task<List<ImageOutcome>> Outcomes(int runId) => read.TryGetValue(runId, out var t) ? t : read[runId] = runService.OutcomesAsync(runId, ct);
        for (int i = 0; i < ordered.Count; i++)
        {
            var c = ordered[i];
            var (lo, hi) = await IntervalAsync(Outcomes, c.Run.Id, c.MethodIndex, metric, c.Result.Settings.MultiIoUs?.Length ?? MultiIoUs.Default.Count, ct);
            rows.Add(new BoardRow(i + 1, c.Run.Id, c.Run.Team!.Name, c.Run.Team.IsBuiltIn, c.Run.Model!.Name,
                CamMethods.TryParse(c.Method, out var m) ? m.DisplayName() : c.Method,
                c.Scores.Top1Loc, c.Scores.GtKnownLoc, c.Scores.MaxBoxAcc, c.Scores.MaxBoxAccV2, c.Result.Classification.Top1,
                c.Score, lo, hi, c.Run.PublishedAt ?? c.Run.FinishedAt ?? c.Run.QueuedAt)
            {
                Pxap = c.Scores.Pxap, Settings = SettingsText(c.Result),
                Compared = new ComparedMethod(c.MethodIndex, c.Result.Settings.MultiIoUs?.Length ?? MultiIoUs.Default.Count),
            });
        }
        await CompareWithLeaderAsync(rows, ordered.Select(c => (c.MethodIndex, c.Result.Settings.MultiIoUs?.Length ?? MultiIoUs.Default.Count)).ToList(), metric, Outcomes, ct);
        return rows;
    }

    /// <summary>
    /// Each row against the leader, paired over the images: the gap and its p-value; rows whose p is at least 0.05 are
    /// "tied at the top" with the leader.
    /// </summary>
    private async Task CompareWithLeaderAsync(
        List<BoardRow> rows, List<(int Method, int MultiIoUs)> methods, RankingMetric metric, Func<int, Task<List<ImageOutcome>>> outcomes, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        rows[0] = rows[0] with { TiedAtTop = true };
        for (int i = 1; i < rows.Count; i++)
        {
            var gap = await GapAsync(outcomes, rows[0].RunId, methods[0], rows[i].RunId, methods[i], metric, ct);
            rows[i] = rows[i] with { VsLeader = gap, TiedAtTop = gap is { P: >= 0.05 } };
        }
    }

    private async Task<LeaderGap?> GapAsync(
        Func<int, Task<List<ImageOutcome>>> outcomes, int leader, (int Method, int MultiIoUs) leaderMethod, int run, (int Method, int MultiIoUs) method,
        RankingMetric metric, CancellationToken ct)
    {
        var key = new GapKey(leader, leaderMethod.Method, run, method.Method, metric);
        if (_tests.TryGetValue(key, out LeaderGap? cached)) return cached;
        var a = await outcomes(leader);
        var b = await outcomes(run);
        var gap = await Task.Run(() =>
        {
            try
            {
                return LeaderGap.Of(PairedComparison.Compare(new ComparedRun(a, leaderMethod.Method, leaderMethod.MultiIoUs),
                    new ComparedRun(b, method.Method, method.MultiIoUs), metric));
            }
            catch (ArgumentException)
            {
                return null; // runs over different images (one skipped what the other read): no paired test
            }
        }, ct);
        Keep(key, gap);
        return gap;
    }

    /// <summary>A row's settings in one line: "t0 0.2 · step 0.01 · s 4 · CAM, infoCAM, infoCAM+".</summary>
    internal static string SettingsText(EvaluationResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        var methods = string.Join(", ", r.Methods.Keys.Select(k => CamMethods.TryParse(k, out var m) ? m.DisplayName() : k));
        return $"t0 {r.Settings.CamThreshold.ToString("0.###", inv)} · step {r.Settings.ThresholdStep.ToString("0.####", inv)} · s {r.Settings.Window.ToString(inv)} · {methods}";
    }

    private static double Score(EvaluationResult r, MethodScores m, RankingMetric metric) => metric switch
    {
        RankingMetric.Top1Loc => m.Top1Loc,
        RankingMetric.GtKnownLoc => m.GtKnownLoc,
        RankingMetric.MaxBoxAcc => m.MaxBoxAcc,
        RankingMetric.MaxBoxAccV2 => m.MaxBoxAccV2,
        RankingMetric.Pxap => m.Pxap ?? 0,
        _ => r.Classification.Top1,
    };

    private async Task<(double, double)> IntervalAsync(
        Func<int, Task<List<ImageOutcome>>> read, int runId, int method, RankingMetric metric, int multiIoUs, CancellationToken ct)
    {
        var key = new IntervalKey(runId, method, metric);
        if (_tests.TryGetValue(key, out (double, double) cached)) return cached;
        var outcomes = await read(runId);
        var interval = await Task.Run(() => Bootstrap.Interval(outcomes, method, metric, seed: runId, multiIoUs: multiIoUs), ct);
        Keep(key, interval);
        return interval;
    }

    public static string ToCsv(IEnumerable<BoardRow> rows) => ToCsv(rows, r => r, []);

    /// <summary>The board's CSV with <paramref name="extra"/> columns appended to each row (their cells escaped here).</summary>
    public static string ToCsv<T>(IEnumerable<T> items, Func<T, BoardRow> rowOf, IReadOnlyList<(string Header, Func<T, string> Cell)> extra)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("rank,run,team,baseline,model,method,top1_loc,gt_known_loc,maxboxacc,maxboxacc_v2,top1_cls,pxap,score,ci95_low,ci95_high,date,"
            + "leader_minus_row,leader_minus_row_ci95_low,leader_minus_row_ci95_high,p_vs_leader,test_vs_leader,tied_at_top,settings");
        foreach (var (header, _) in extra) sb.Append(',').Append(header);
        sb.Append('\n');
        static string Q(string s) => Core.Evaluation.CsvCell.Escape(s);
        foreach (var item in items)
        {
            var r = rowOf(item);
            sb.Append(inv, $"{r.Rank},{r.RunId},{Q(r.Team)},{(r.IsBaseline ? "true" : "false")},{Q(r.Model)},{Q(r.Method)},");
            sb.Append(inv, $"{r.Top1Loc:R},{r.GtKnownLoc:R},{r.MaxBoxAcc:R},{r.MaxBoxAccV2:R},{r.Top1Cls:R},{r.Pxap?.ToString("R", inv) ?? ""},{r.Score:R},{r.CiLow:R},{r.CiHigh:R},{r.Date:O},");
            var g = r.VsLeader;
            sb.Append(inv, $"{g?.Difference.ToString("R", inv)},{g?.Low.ToString("R", inv)},{g?.High.ToString("R", inv)},{g?.P.ToString("R", inv)},{(g is null ? "" : Q(g.Test))},{(r.TiedAtTop ? "true" : "false")},{Q(r.Settings)}");
            foreach (var (_, cell) in extra) sb.Append(',').Append(Q(cell(item)));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The metric a link names; null (the board's default: PxAP for masks, else Top-1 Loc) when it names none.</summary>
    public static RankingMetric? ParseMetric(string? text) => text?.ToLowerInvariant() switch
    {
        "top1loc" => RankingMetric.Top1Loc,
        "gtknownloc" or "gt-known" => RankingMetric.GtKnownLoc,
        "maxboxacc" => RankingMetric.MaxBoxAcc,
        "maxboxaccv2" => RankingMetric.MaxBoxAccV2,
        "top1cls" => RankingMetric.Top1Cls,
        "pxap" => RankingMetric.Pxap,
        _ => null,
    };
}
