using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Features.Runs;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Features.Benchmarks;

/// <summary>A benchmark as its edit form starts: the request that would recreate it, and how many submissions each phase has.</summary>
public sealed record BenchmarkDraft(BenchmarkRequest Request, string DatasetName, IReadOnlyDictionary<int, int> SubmissionsByPhase)
{
    public bool HasSubmissions => SubmissionsByPhase.Values.Any(n => n > 0);
}

/// <summary>
/// Editing a benchmark (its host team). What submissions were evaluated with stays: the dataset and whether the ground
/// truth is hidden never change; split, protocol and methods not once a submission exists; a phase with submissions
/// keeps its images and cannot be removed. Everything else (title, description, ranking metric, a phase's name, dates,
/// board visibility, entry rule, limits; phases added) can change, and the submissions' runs follow their phase's new
/// terms (what is hidden, until when).
/// </summary>
public sealed partial class BenchmarkService
{
    /// <summary>The benchmark as a request for its edit form; null when there is none or the actor is not a host of its team.</summary>
    public async Task<BenchmarkDraft?> DraftAsync(Actor actor, int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var b = await db.Benchmarks.AsNoTracking().Include(x => x.Dataset).Include(x => x.Phases).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (b is null || !actor.IsHost || !actor.IsMember(b.HostTeamId)) return null;
        var request = new BenchmarkRequest
        {
            Title = b.Title, Description = b.Description, DatasetId = b.DatasetId, Split = b.Split, Protocol = b.Protocol,
            Methods = [.. b.Methods.Split(',')], RankingMetric = b.RankingMetric, HiddenGroundTruth = b.HiddenGroundTruth,
            Phases = b.Phases.OrderBy(p => p.Order).Select(p => new PhaseRequest
            {
                Id = p.Id, Name = p.Name, Opens = p.Opens, Closes = p.Closes, SubsetFrom = p.SubsetFrom, SubsetTo = p.SubsetTo,
                Visibility = p.Visibility == BoardVisibility.Public ? "public" : "after-close", Rule = p.Rule == EntryRule.Best ? "best" : "last",
                DailyLimit = p.DailyLimit, TotalLimit = p.TotalLimit,
            }).ToList(),
        };
        return new BenchmarkDraft(request, b.Dataset!.Name, await SubmissionCountsAsync(db, id, ct));
    }

    /// <summary>
    /// Applies <paramref name="request"/> to the benchmark (a host of its team); null on success, else the first problem
    /// with its field, and nothing stored. Runs under the benchmark's gate, so no submission is taken meanwhile.
    /// </summary>
    public Task<ServiceError?> UpdateAsync(Actor actor, int id, BenchmarkRequest request, CancellationToken ct = default) =>
        InGateAsync(id, async () =>
        {
            try
            {
                return await UpdateInGateAsync(actor, id, request, ct);
            }
            catch (Exception ex) when (InfoCamDbContext.IsBusy(ex))
            {
                return new ServiceError(ErrorKind.Invalid, InfoCamDbContext.BusyMessage);
            }
        }, ct);

    private async Task<ServiceError?> UpdateInGateAsync(Actor actor, int id, BenchmarkRequest request, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var b = await db.Benchmarks.Include(x => x.Dataset).Include(x => x.Phases).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (b is null) return ServiceError.NotFound($"There is no benchmark {id}.");
        if (!actor.IsHost || !actor.IsMember(b.HostTeamId)) return ServiceError.Forbidden($"Only a host of the team that hosts benchmark {id} edits it.");
        var (edited, problem) = BenchmarkValidation.Check(request, b.Dataset!.Masks > 0);
        if (problem is not null) return problem;
        if (b.Dataset.Masks > 0 && edited!.Protocol != "resize224") return "protocol: a mask dataset is evaluated with resize224 (resize256crop224 would crop the masks).";
        var submissions = await SubmissionCountsAsync(db, id, ct);
        if (FixedFieldProblem(b, edited!, request, submissions) is { } fixedField) return fixedField;
        if (PhaseProblem(b, request, submissions) is { } phase) return phase;
        var before = b.Phases.Where(p => submissions.GetValueOrDefault(p.Id) > 0).ToDictionary(p => p.Id, TermsFor);
        Apply(b, edited!, request);
        if (HidesAgainProblem(b, before, submissions, clock.GetUtcNow()) is { } hidesAgain) return hidesAgain;
        if (await EmptyPhaseProblemAsync(b.Dataset, b, ct) is { } empty) return empty;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.SaveChangesAsync(ct);
        await ApplyTermsToSubmissionsAsync(db, b, ct);
        await transaction.CommitAsync(ct);
        return null;
    }

    /// <summary>
    /// What participants have seen stays seen: an edit that would hide again the labels or the scores of submissions
    /// that showed them (a phase made to share images with one shown at its close, a board made to wait for a close
    /// still to come) is refused.
    /// </summary>
    private static string? HidesAgainProblem(Benchmark b, Dictionary<int, RunTerms> before, Dictionary<int, int> submissions, DateTimeOffset now)
    {
        foreach (var phase in b.Phases.Where(p => before.ContainsKey(p.Id)).OrderBy(p => p.Order))
        {
            var (was, will) = (before[phase.Id], TermsFor(phase));
            string where = $"phases[{phase.Order}]: '{phase.Name}' has {submissions[phase.Id]} submission(s)";
            if (was.Concealment != GroundTruthHiding.AnnotationsAndLabels && will.Concealment == GroundTruthHiding.AnnotationsAndLabels)
            {
                return phase.Visibility == BoardVisibility.AfterClose
                    ? $"{where} whose class labels were shown; its board cannot become one shown at its close (that hides the labels)."
                    : $"{where} whose class labels were shown; this change would hide them again (its images would be shared with a phase whose board shows at its close).";
            }
            bool shown = was.ScoresHiddenUntil is not { } until || until <= now;
            if (shown && will.ScoresHiddenUntil is { } hiddenUntil && hiddenUntil > now)
            {
                return $"{where} whose scores were shown; its board cannot wait again for a close ({Formats.Stamp(hiddenUntil)}).";
            }
        }
        return null;
    }

    private static async Task<Dictionary<int, int>> SubmissionCountsAsync(InfoCamDbContext db, int benchmarkId, CancellationToken ct) =>
        await db.Submissions.Where(s => s.Phase!.BenchmarkId == benchmarkId).GroupBy(s => s.PhaseId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);

    /// <summary>What the submissions were evaluated with: the dataset and the hiding always, split, protocol and methods once there are any.</summary>
    private static string? FixedFieldProblem(Benchmark b, Benchmark edited, BenchmarkRequest request, Dictionary<int, int> submissions)
    {
        if (request.DatasetId != b.DatasetId) return $"datasetId: a benchmark keeps its dataset ('{b.Dataset!.Name}', id {b.DatasetId}); create a new benchmark for another.";
        if (edited.HiddenGroundTruth != b.HiddenGroundTruth)
        {
            return $"hiddenGroundTruth: a benchmark keeps whether its ground truth is hidden ({(b.HiddenGroundTruth ? "hidden" : "public")}); create a new benchmark for the other kind.";
        }
        int total = submissions.Values.Sum();
        if (total == 0) return null;
        foreach (var (field, before, after) in new[] { ("split", b.Split, edited.Split), ("protocol", b.Protocol, edited.Protocol), ("methods", b.Methods, edited.Methods) })
        {
            if (before != after) return $"{field}: fixed once the benchmark has submissions ({total}); it stays '{before}'.";
        }
        return null;
    }

    /// <summary>Phases are matched by id: unknown ids, removing a phase with submissions and moving its images are refused.</summary>
    private static string? PhaseProblem(Benchmark b, BenchmarkRequest request, Dictionary<int, int> submissions)
    {
        var byId = b.Phases.ToDictionary(p => p.Id);
        for (int i = 0; i < request.Phases.Count; i++)
        {
            if (request.Phases[i].Id is not int phaseId) continue;
            if (!byId.TryGetValue(phaseId, out var phase)) return $"phases[{i}].id: {phaseId} is not a phase of this benchmark (leave it out for a new phase).";
            if (request.Phases.Take(i).Any(p => p.Id == phaseId)) return $"phases[{i}].id: phase {phaseId} is listed twice.";
            var p = request.Phases[i];
            if (submissions.GetValueOrDefault(phaseId) is int n and > 0 && (p.SubsetFrom, p.SubsetTo) != (phase.SubsetFrom, phase.SubsetTo))
            {
                return $"phases[{i}].subset: '{phase.Name}' has {n} submission(s) evaluated on buckets [{phase.SubsetFrom}, {phase.SubsetTo}); its images cannot change.";
            }
        }
        var kept = request.Phases.Select(p => p.Id).OfType<int>().ToHashSet();
        var removed = b.Phases.OrderBy(p => p.Order).FirstOrDefault(p => !kept.Contains(p.Id) && submissions.GetValueOrDefault(p.Id) > 0);
        return removed is null ? null : $"phases: '{removed.Name}' has {submissions[removed.Id]} submission(s) and cannot be removed.";
    }

    /// <summary>The checked fields onto the stored benchmark; phases updated in place, added, or removed (those without submissions).</summary>
    private static void Apply(Benchmark b, Benchmark edited, BenchmarkRequest request)
    {
        (b.Title, b.Description, b.Split, b.Protocol, b.Methods, b.RankingMetric) = (edited.Title, edited.Description, edited.Split, edited.Protocol, edited.Methods, edited.RankingMetric);
        var phases = new List<BenchmarkPhase>();
        for (int i = 0; i < request.Phases.Count; i++)
        {
            var from = edited.Phases[i];
            var phase = request.Phases[i].Id is int phaseId ? b.Phases.Single(p => p.Id == phaseId) : new BenchmarkPhase { Name = from.Name };
            (phase.Name, phase.Order, phase.Opens, phase.Closes, phase.SubsetFrom, phase.SubsetTo) = (from.Name, i, from.Opens, from.Closes, from.SubsetFrom, from.SubsetTo);
            (phase.Visibility, phase.Rule, phase.DailyLimit, phase.TotalLimit) = (from.Visibility, from.Rule, from.DailyLimit, from.TotalLimit);
            phases.Add(phase);
        }
        b.Phases.RemoveAll(p => !phases.Contains(p));
        foreach (var added in phases.Where(p => !b.Phases.Contains(p))) b.Phases.Add(added);
    }

    /// <summary>Each submission's run gets its phase's terms as they now are (whether labels are hidden, until when the scores are).</summary>
    private static async Task ApplyTermsToSubmissionsAsync(InfoCamDbContext db, Benchmark b, CancellationToken ct)
    {
        foreach (var phase in b.Phases)
        {
            var terms = TermsFor(phase);
            var runIds = db.Submissions.Where(s => s.PhaseId == phase.Id && s.RunId != null).Select(s => s.RunId!.Value);
            await db.Runs.Where(r => runIds.Contains(r.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Concealment, terms.Concealment).SetProperty(r => r.ScoresHiddenUntil, terms.ScoresHiddenUntil), ct);
        }
    }
}
