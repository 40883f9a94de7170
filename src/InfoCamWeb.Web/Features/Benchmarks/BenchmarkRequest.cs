using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Data.Entities;

namespace InfoCamWeb.Web.Features.Benchmarks;

/// <summary>What a host fills in to create a benchmark (the form and <c>POST /api/benchmarks</c>).</summary>
public sealed class BenchmarkRequest
{
    public string Title { get; set; } = "";

    /// <summary>Markdown; shown sanitized.</summary>
    public string Description { get; set; } = "";
    public int DatasetId { get; set; }
    public string Split { get; set; } = "test";
    public string Protocol { get; set; } = "resize224";
    public List<string> Methods { get; set; } = ["cam", "infocam", "infocam+"];

    /// <summary>top1loc, gtknownloc, maxboxacc, maxboxaccv2, top1cls or pxap (mask datasets).</summary>
    public string RankingMetric { get; set; } = "top1loc";

    /// <summary>Participants never receive the annotations (and in phases whose board shows at the close, not the class labels either).</summary>
    public bool HiddenGroundTruth { get; set; } = true;
    public List<PhaseRequest> Phases { get; set; } = [];
}

/// <summary>One phase of a <see cref="BenchmarkRequest"/>.</summary>
public sealed class PhaseRequest
{
    /// <summary>When editing a benchmark: the phase this entry changes; null for a new phase (ignored on creation).</summary>
    public int? Id { get; set; }

    public string Name { get; set; } = "";
    public DateTimeOffset Opens { get; set; }
    public DateTimeOffset Closes { get; set; }

    /// <summary>The phase's images: buckets [SubsetFrom, SubsetTo) of 100 (e.g. 0-30 development, 30-100 final).</summary>
    public int SubsetFrom { get; set; }
    public int SubsetTo { get; set; } = 100;

    /// <summary>"public" or "after-close".</summary>
    public string Visibility { get; set; } = "public";

    /// <summary>"best" or "last": which of a team's entries stands.</summary>
    public string Rule { get; set; } = "best";
    public int DailyLimit { get; set; } = 3;
    public int TotalLimit { get; set; } = 20;
}

/// <summary>A request checked field by field into the entities to store, or the first problem (field named).</summary>
internal static class BenchmarkValidation
{
    public static (Benchmark? Benchmark, string? Problem) Check(BenchmarkRequest r, bool masks)
    {
        var title = r.Title.Trim();
        if (title.Length is 0 or > 200) return (null, "title: give a title of 1 to 200 characters.");
        if (r.Description.Length > 20_000) return (null, $"description: {r.Description.Length} characters; at most 20000.");
        string split, protocol, methods;
        try
        {
            split = Core.Datasets.Dataset.ParseSplit(r.Split).ToString().ToLowerInvariant();
            protocol = Preprocessor.ParseProtocol(r.Protocol).Key();
            var chosen = CamMethods.ParseList(string.Join(",", r.Methods));
            if (chosen.Count == 0) return (null, "methods: choose at least one method.");
            methods = string.Join(",", CamMethods.Every.Where(chosen.Contains).Select(m => m.Key()));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return (null, ex.Message);
        }
        if (Leaderboard.LeaderboardService.ParseMetric(r.RankingMetric) is not RankingMetric metric)
        {
            return (null, $"rankingMetric: '{r.RankingMetric}' is not one of top1loc, gtknownloc, maxboxacc, maxboxaccv2, top1cls, pxap.");
        }
        if (metric == RankingMetric.Pxap && !masks) return (null, "rankingMetric: PxAP needs a dataset with mask ground truth.");
        if (r.Phases.Count is 0 or > 10) return (null, $"phases: give 1 to 10 phases (got {r.Phases.Count}).");
        var phases = new List<BenchmarkPhase>();
        for (int i = 0; i < r.Phases.Count; i++)
        {
            var (phase, problem) = CheckPhase(r.Phases[i], i);
            if (problem is not null) return (null, $"phases[{i}].{problem}");
            phases.Add(phase!);
        }
        return (new Benchmark
        {
            Title = title, Description = r.Description, DatasetId = r.DatasetId, Split = split, Protocol = protocol, Methods = methods,
            RankingMetric = r.RankingMetric.Trim().ToLowerInvariant(), HiddenGroundTruth = r.HiddenGroundTruth, Phases = phases,
        }, null);
    }

    private static (BenchmarkPhase? Phase, string? Problem) CheckPhase(PhaseRequest p, int order)
    {
        var name = p.Name.Trim();
        if (name.Length is 0 or > 100) return (null, "name: give a name of 1 to 100 characters.");
        if (p.Closes <= p.Opens) return (null, $"closes: {Formats.Stamp(p.Closes)} is not after opens {Formats.Stamp(p.Opens)}.");
        if (p.SubsetFrom < 0 || p.SubsetTo > 100 || p.SubsetFrom >= p.SubsetTo) return (null, $"subset: [{p.SubsetFrom}, {p.SubsetTo}) must satisfy 0 <= from < to <= 100.");
        BoardVisibility? visibility = p.Visibility.Trim().ToLowerInvariant() switch { "public" => BoardVisibility.Public, "after-close" or "afterclose" => BoardVisibility.AfterClose, _ => null };
        if (visibility is null) return (null, $"visibility: '{p.Visibility}' is not 'public' or 'after-close'.");
        EntryRule? rule = p.Rule.Trim().ToLowerInvariant() switch { "best" => EntryRule.Best, "last" => EntryRule.Last, _ => null };
        if (rule is null) return (null, $"rule: '{p.Rule}' is not 'best' or 'last'.");
        if (p.TotalLimit is < 1 or > 10_000) return (null, $"totalLimit: {p.TotalLimit} must be between 1 and 10000.");
        if (p.DailyLimit < 1 || p.DailyLimit > p.TotalLimit) return (null, $"dailyLimit: {p.DailyLimit} must be between 1 and the total limit {p.TotalLimit}.");
        return (new BenchmarkPhase
        {
            Name = name, Order = order, Opens = p.Opens.ToUniversalTime(), Closes = p.Closes.ToUniversalTime(), SubsetFrom = p.SubsetFrom, SubsetTo = p.SubsetTo,
            Visibility = visibility.Value, Rule = rule.Value, DailyLimit = p.DailyLimit, TotalLimit = p.TotalLimit,
        }, null);
    }
}
