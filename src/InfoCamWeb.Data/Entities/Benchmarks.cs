namespace InfoCamWeb.Data.Entities;

/// <summary>What a benchmark keeps from participants (<c>GroundTruthPolicy</c> applies it on every channel).</summary>
public enum GroundTruthHiding
{
    /// <summary>Nothing hidden: an ordinary run.</summary>
    None = 0,

    /// <summary>Boxes and masks are never shown; class labels are.</summary>
    Annotations = 1,

    /// <summary>Boxes, masks and class labels (and image names, which may carry them) are never shown.</summary>
    AnnotationsAndLabels = 2,
}

/// <summary>When a phase's board (and its participants' scores) can be seen by those who are not its host.</summary>
public enum BoardVisibility
{
    Public = 0,
    AfterClose = 1,
}

/// <summary>Which of a team's counted submissions stands on a phase's board.</summary>
public enum EntryRule
{
    Best = 0,
    Last = 1,
}

/// <summary>
/// A host-defined task: a dataset split evaluated with one protocol and ranked by one metric, in phases. With
/// <see cref="HiddenGroundTruth"/>, participants never receive the dataset's annotations.
/// </summary>
public sealed class Benchmark
{
    public int Id { get; set; }
    public required string Title { get; set; }

    /// <summary>Markdown as the host wrote it; shown sanitized.</summary>
    public string Description { get; set; } = "";

    public int DatasetId { get; set; }
    public DatasetRecord? Dataset { get; set; }
    public string Split { get; set; } = "test";
    public string Protocol { get; set; } = "resize224";

    /// <summary>Method keys submissions are evaluated with, comma separated, canonical order.</summary>
    public string Methods { get; set; } = "cam,infocam,infocam+";

    /// <summary>The ranking metric's link key (top1loc, gtknownloc, maxboxacc, maxboxaccv2, top1cls, pxap).</summary>
    public string RankingMetric { get; set; } = "top1loc";

    public bool HiddenGroundTruth { get; set; }

    /// <summary>The host's team: it owns the dataset; its members see everything.</summary>
    public int HostTeamId { get; set; }
    public Team? HostTeam { get; set; }
    public string? CreatedByUserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public List<BenchmarkPhase> Phases { get; set; } = new();
}

/// <summary>A period of a benchmark with its own images (a percent-bucket part of the split), board and limits.</summary>
public sealed class BenchmarkPhase
{
    public int Id { get; set; }
    public int BenchmarkId { get; set; }
    public Benchmark? Benchmark { get; set; }
    public required string Name { get; set; }
    public int Order { get; set; }
    public DateTimeOffset Opens { get; set; }
    public DateTimeOffset Closes { get; set; }

    /// <summary>The part of the split: image buckets [SubsetFrom, SubsetTo) of 100 (<c>Core.Datasets.ImageSubset</c>).</summary>
    public int SubsetFrom { get; set; }
    public int SubsetTo { get; set; } = 100;
    public BoardVisibility Visibility { get; set; }
    public EntryRule Rule { get; set; }
    public int DailyLimit { get; set; } = 3;
    public int TotalLimit { get; set; } = 20;

    public bool IsOpen(DateTimeOffset now) => now >= Opens && now < Closes;

    /// <summary>Whether those who are not the host may see the board and their scores.</summary>
    public bool BoardShown(DateTimeOffset now) => Visibility == BoardVisibility.Public || now >= Closes;
}

/// <summary>
/// One team's entry to a phase: the model's evaluation (<see cref="RunId"/>) or why it was refused. Counted toward the
/// limits unless the server failed it.
/// </summary>
public sealed class Submission
{
    public int Id { get; set; }
    public int PhaseId { get; set; }
    public BenchmarkPhase? Phase { get; set; }
    public int TeamId { get; set; }
    public Team? Team { get; set; }
    public int? ModelId { get; set; }
    public ModelRecord? Model { get; set; }
    public int? RunId { get; set; }
    public RunRecord? Run { get; set; }
    public string? CreatedByUserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The model's SHA-256 when it was submitted.</summary>
    public string ModelSha256 { get; set; } = "";

    /// <summary>Why the model was refused (validation): such a submission counts; null when it was evaluated.</summary>
    public string? Refusal { get; set; }
}
