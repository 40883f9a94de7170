using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;

namespace InfoCamWeb.Web.Features.Benchmarks;

/// <summary>
/// What a viewer may learn of a run's ground truth: <see cref="Annotations"/> (boxes, masks, and everything computed
/// image by image against them: per-image IoUs, per-class scores, the per-image CSV, comparisons),
/// <see cref="Labels"/> (true classes and image names) and <see cref="Scores"/> (the aggregate metrics).
/// </summary>
public sealed record Disclosure(bool Annotations, bool Labels, bool Scores)
{
    public static readonly Disclosure Full = new(true, true, true);

    public bool IsFull => Annotations && Labels && Scores;
}

/// <summary>
/// The one rule for benchmark submissions with hidden ground truth, applied on every channel that reads a run: the
/// dataset's team (the host) sees everything; anyone else (participants, share links, the API) sees the aggregate
/// scores (once the phase shows them) and, per image, the maps and predicted boxes only.
/// </summary>
public static class GroundTruthPolicy
{
    /// <summary>What <paramref name="actor"/> (null: a share link's visitor) may see of <paramref name="run"/>, whose dataset belongs to <paramref name="datasetTeamId"/>.</summary>
    public static Disclosure For(Actor? actor, RunRecord run, int datasetTeamId, DateTimeOffset now)
    {
        if (run.Concealment == GroundTruthHiding.None && run.ScoresHiddenUntil is null) return Disclosure.Full;
        if (actor is not null && actor.IsMember(datasetTeamId)) return Disclosure.Full;
        bool scores = run.ScoresHiddenUntil is not { } until || now >= until;
        // While the scores are hidden, so is everything image by image that adds up to them (IoUs, hits, the CSV).
        return new Disclosure(
            Annotations: run.Concealment == GroundTruthHiding.None && scores,
            Labels: LabelsShown(actor, run.Concealment, datasetTeamId),
            Scores: scores);
    }

    /// <summary>Whether <paramref name="actor"/> (null: a share link's visitor) may see the class labels of a run with <paramref name="concealment"/>.</summary>
    public static bool LabelsShown(Actor? actor, GroundTruthHiding concealment, int? datasetTeamId) =>
        concealment != GroundTruthHiding.AnnotationsAndLabels || (actor is not null && datasetTeamId is int team && actor.IsMember(team));

    /// <summary>For a run loaded with its dataset.</summary>
    public static Disclosure For(Actor? actor, RunRecord run) => For(actor, run, run.Dataset!.TeamId, DateTimeOffset.UtcNow);

    /// <summary>
    /// The run as the viewer may see it (a detached copy's fields replaced): its result without per-class scores (and
    /// without skipped images' names when labels are hidden), no result and no live figures while scores are hidden.
    /// </summary>
    public static RunRecord Apply(Actor? actor, RunRecord run)
    {
        var d = For(actor, run);
        if (d.IsFull) return run;
        run.RunningMetrics = null;
        run.ResultJson = d.Scores && run.ResultJson is { } json ? ResultFiles.ToJson(Redact(ResultFiles.FromJson(json), d)) : null;
        if (!d.Labels && run.Error is not null) run.Error = "The run failed; the reason is withheld from participants (it may name an image of the hidden split). The host can read it.";
        return run;
    }

    /// <summary>The aggregate result only: per-class tables emptied, image names of skipped images withheld when labels are hidden.</summary>
    public static EvaluationResult Redact(EvaluationResult r, Disclosure d)
    {
        if (d.Annotations && d.Labels) return r;
        return r with
        {
            Methods = r.Methods.ToDictionary(m => m.Key, m => m.Value with
            {
                PerClassGtKnownLoc = new(), PerClassPointingGame = new(), PerClassEnergyPointingGame = new(),
            }),
            SkippedImages = d.Labels ? r.SkippedImages : r.SkippedImages.Select(_ => "(withheld)").ToList(),
            Dataset = d.Labels ? r.Dataset : r.Dataset with { ClassesUsed = null },
        };
    }

    /// <summary>Why per-image results of the run are refused to this viewer.</summary>
    public static string PerImageRefusal(int runId) =>
        $"Run {runId} is a benchmark submission with hidden ground truth: its per-image results (IoUs, boxes, classes) are not available; its page shows the aggregate scores.";
}
