using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Features.Leaderboard;
using InfoCamWeb.Web.Features.Runs;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Features.Benchmarks;

public sealed record BenchmarkSummary(int Id, string Title, string HostTeam, string DatasetName, string Split, bool HiddenGroundTruth, int Phases, string? OpenPhase);

/// <summary>A phase as a page shows it: its images, whether it takes submissions now, whether its board shows to this viewer.</summary>
public sealed record PhaseView(BenchmarkPhase Phase, int Images, bool Open, bool BoardShown);

public sealed record BenchmarkView(Benchmark Benchmark, string DatasetName, string HostTeam, bool IsHost, string DescriptionHtml, IReadOnlyList<PhaseView> Phases)
{
    public RankingMetric Metric => LeaderboardService.ParseMetric(Benchmark.RankingMetric) ?? RankingMetric.Top1Loc;
}

/// <summary>What reproduces a row: the model's SHA-256, the settings, the engine, provider and precision, the date.</summary>
public sealed record Reproduction(string ModelSha256, string Settings, string EngineVersion, string Provider, string Precision, DateTimeOffset Date);

public sealed record BenchmarkRow(BoardRow Row, int SubmissionId, Reproduction Reproduction);

/// <summary>A phase's board; <see cref="HiddenUntil"/> is set (and the rows empty) while it is hidden from this viewer.</summary>
public sealed record PhaseBoard(PhaseView Phase, RankingMetric Metric, IReadOnlyList<BenchmarkRow> Rows, DateTimeOffset? HiddenUntil);

public sealed record SubmissionView(int Id, DateTimeOffset CreatedAt, string Model, int? RunId, string State, bool Counted, string? Refusal);

public sealed record SubmissionLimits(int UsedToday, int DailyLimit, int UsedTotal, int TotalLimit)
{
    public string? Refusal() =>
        UsedTotal >= TotalLimit ? $"Limit: your team has used all {TotalLimit} submissions of this phase."
        : UsedToday >= DailyLimit ? $"Limit: your team has made {UsedToday} submissions to this phase in the last 24 hours (at most {DailyLimit} a day); try again later."
        : null;
}

public sealed record SubmissionResult(int? SubmissionId, int? RunId, ServiceError? Error);

/// <summary>
/// Benchmarks: hosts create them (dataset, split, protocol, methods, ranking metric, phases); teams submit models to
/// an open phase within its limits; each phase ranks each team's entry (best or last) with intervals and the paired
/// gap to the leader. Submissions run as ordinary runs of the submitting team, marked with what of the ground truth
/// stays hidden (<see cref="GroundTruthPolicy"/>).
/// </summary>
public sealed partial class BenchmarkService(
    IDbContextFactory<InfoCamDbContext> dbFactory, RunService runs, LeaderboardService boards, Datasets.DatasetAnnotations annotations, TimeProvider clock)
{
    private readonly Dictionary<int, Gate> _gates = new();

    public async Task<List<BenchmarkSummary>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var all = await db.Benchmarks.AsNoTracking().Include(b => b.Dataset).Include(b => b.HostTeam).Include(b => b.Phases).ToListAsync(ct);
        var now = clock.GetUtcNow();
        return all.OrderByDescending(b => b.CreatedAt).Select(b => new BenchmarkSummary(b.Id, b.Title, b.HostTeam!.Name, b.Dataset!.Name, b.Split,
            b.HiddenGroundTruth, b.Phases.Count, b.Phases.OrderBy(p => p.Order).FirstOrDefault(p => p.IsOpen(now))?.Name)).ToList();
    }

    /// <summary>A benchmark with its phases as <paramref name="actor"/> sees them; null when there is none.</summary>
    public async Task<BenchmarkView?> GetAsync(Actor actor, int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var b = await db.Benchmarks.AsNoTracking().Include(x => x.Dataset).Include(x => x.HostTeam).Include(x => x.Phases).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (b is null) return null;
        bool isHost = actor.IsMember(b.HostTeamId);
        var images = (await annotations.GetAsync(b.Dataset!, ct)).Select(Dataset.ParseSplit(b.Split));
        var now = clock.GetUtcNow();
        var phases = b.Phases.OrderBy(p => p.Order)
            .Select(p => new PhaseView(p, new ImageSubset(p.SubsetFrom, p.SubsetTo).Of(images).Count, p.IsOpen(now), isHost || p.BoardShown(now))).ToList();
        return new BenchmarkView(b, b.Dataset!.Name, b.HostTeam!.Name, isHost, BenchmarkMarkdown.ToSafeHtml(b.Description), phases);
    }

    /// <summary>Creates a benchmark hosted by the team that owns the dataset; hosts only.</summary>
    public async Task<(int? Id, ServiceError? Error)> CreateAsync(Actor actor, BenchmarkRequest request, CancellationToken ct = default)
    {
        if (!actor.IsHost) return (null, ServiceError.Forbidden("Only hosts create benchmarks; an administrator grants the role (/admin)."));
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var dataset = await db.Datasets.Include(d => d.Team).FirstOrDefaultAsync(d => d.Id == request.DatasetId, ct);
        if (dataset is null || !actor.IsMember(dataset.TeamId)) return (null, "datasetId: choose a dataset of one of your teams.");
        var (valid, problem) = BenchmarkValidation.Check(request, dataset.Masks > 0);
        if (problem is not null) return (null, problem);
        var benchmark = valid!;
        if (dataset.Masks > 0 && benchmark.Protocol != "resize224") return (null, "protocol: a mask dataset is evaluated with resize224 (resize256crop224 would crop the masks).");
        if (await HiddenDatasetProblemAsync(db, dataset, request.HiddenGroundTruth, ct) is { } hidden) return (null, hidden);
        if (await EmptyPhaseProblemAsync(dataset, benchmark, ct) is { } empty) return (null, empty);
        benchmark.HostTeamId = dataset.TeamId;
        benchmark.CreatedByUserId = actor.UserId;
        benchmark.CreatedAt = clock.GetUtcNow();
        db.Benchmarks.Add(benchmark);
        await db.SaveChangesAsync(ct);
        if (benchmark.HiddenGroundTruth) await RevokeShareLinksAsync(db, dataset.Id, ct);
        return (benchmark.Id, null);
    }

    /// <summary>The first phase whose part of the split holds no image, named with its index.</summary>
    private async Task<string?> EmptyPhaseProblemAsync(DatasetRecord dataset, Benchmark benchmark, CancellationToken ct)
    {
        var images = (await annotations.GetAsync(dataset, ct)).Select(Dataset.ParseSplit(benchmark.Split));
        var empty = benchmark.Phases.OrderBy(p => p.Order).FirstOrDefault(p => new ImageSubset(p.SubsetFrom, p.SubsetTo).Of(images).Count == 0);
        return empty is null ? null : $"phases[{empty.Order}].subset: no image of the {benchmark.Split} split of '{dataset.Name}' falls in it.";
    }

    /// <summary>The share links of the dataset's runs stop working: they would show the hidden ground truth to anyone.</summary>
    private static Task RevokeShareLinksAsync(InfoCamDbContext db, int datasetId, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        return db.ShareLinks.Where(l => l.RevokedAt == null && l.Run!.DatasetId == datasetId).ExecuteUpdateAsync(s => s.SetProperty(l => l.RevokedAt, now), ct);
    }

    /// <summary>
    /// Hidden ground truth needs a dataset nobody else can read, none of whose runs is on a public leaderboard, and no
    /// benchmark of the other kind on it (its submissions would show what this one hides).
    /// </summary>
    private static async Task<string?> HiddenDatasetProblemAsync(InfoCamDbContext db, DatasetRecord dataset, bool hidden, CancellationToken ct)
    {
        if (await db.Benchmarks.AnyAsync(b => b.DatasetId == dataset.Id && b.HiddenGroundTruth != hidden, ct))
        {
            return $"datasetId: '{dataset.Name}' already has a benchmark with {(hidden ? "public" : "hidden")} ground truth; one dataset's benchmarks all hide it or none does.";
        }
        if (!hidden) return null;
        if (dataset.Team!.IsBuiltIn) return $"datasetId: '{dataset.Name}' belongs to the Baselines team, whose datasets everyone can read; hidden ground truth needs a dataset of your team.";
        int published = await db.Runs.CountAsync(r => r.DatasetId == dataset.Id && r.Published, ct);
        return published > 0 ? $"datasetId: {published} run(s) on '{dataset.Name}' are published to its leaderboard (per-image results can be compared there); unpublish them first." : null;
    }

    /// <summary>The models the actor's active team may submit, newest first.</summary>
    public async Task<List<(int Id, string Name)>> SubmittableModelsAsync(Actor actor, CancellationToken ct = default)
    {
        if (actor.ActiveTeamId is not int team) return [];
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var models = await db.Models.AsNoTracking().Where(m => m.TeamId == team).Select(m => new { m.Id, m.Name, m.UploadedAt }).ToListAsync(ct);
        return models.OrderByDescending(m => m.UploadedAt).Select(m => (m.Id, m.Name)).ToList();
    }

    /// <summary>The datasets a host may build a benchmark on: those of the actor's teams.</summary>
    public async Task<List<DatasetRecord>> HostableDatasetsAsync(Actor actor, CancellationToken ct = default)
    {
        var teams = actor.TeamIds.ToList();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Datasets.AsNoTracking().Include(d => d.Team).Where(d => teams.Contains(d.TeamId)).OrderBy(d => d.Name).ToListAsync(ct);
    }

    /// <summary>The actor's team's submissions to a phase, newest first, and the limits used.</summary>
    public async Task<(List<SubmissionView> Submissions, SubmissionLimits Limits)> SubmissionsAsync(Actor actor, int phaseId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var phase = await db.BenchmarkPhases.AsNoTracking().FirstOrDefaultAsync(p => p.Id == phaseId, ct);
        if (phase is null || actor.ActiveTeamId is not int team) return ([], new SubmissionLimits(0, phase?.DailyLimit ?? 0, 0, phase?.TotalLimit ?? 0));
        var mine = await TeamSubmissionsAsync(db, phaseId, team, ct);
        var views = mine.OrderByDescending(s => s.CreatedAt).Select(s => new SubmissionView(s.Id, s.CreatedAt, s.Model?.Name ?? $"(no stored model; SHA-256 {s.ModelSha256[..Math.Min(12, s.ModelSha256.Length)]}…)", s.RunId,
            s.Refusal is not null ? "refused" : s.Run?.Status.ToString().ToLowerInvariant() ?? "removed", Counts(s), s.Refusal)).ToList();
        return (views, LimitsOf(phase, mine));
    }

    private static Task<List<Submission>> TeamSubmissionsAsync(InfoCamDbContext db, int phaseId, int teamId, CancellationToken ct) =>
        db.Submissions.AsNoTracking().Include(s => s.Run).Include(s => s.Model).Where(s => s.PhaseId == phaseId && s.TeamId == teamId).ToListAsync(ct);

    /// <summary>
    /// A submission counts toward the limits unless the server failed it: refused models count, and so do runs failed by
    /// their model (<see cref="RunRecord.FailedByModel"/>); runs failed by the server do not.
    /// </summary>
    internal static bool Counts(Submission s) => s.Refusal is not null || s.Run is not { Status: RunStatus.Failed, FailedByModel: false };

    private SubmissionLimits LimitsOf(BenchmarkPhase phase, IReadOnlyList<Submission> submissions)
    {
        var since = clock.GetUtcNow().AddDays(-1);
        var counted = submissions.Where(Counts).ToList();
        return new SubmissionLimits(counted.Count(s => s.CreatedAt > since), phase.DailyLimit, counted.Count, phase.TotalLimit);
    }

    /// <summary>Why the actor cannot submit to the phase now (not signed in, no such phase, closed, limit reached); null when they can.</summary>
    public async Task<ServiceError?> PreflightAsync(Actor actor, int benchmarkId, int phaseId, CancellationToken ct = default)
    {
        if (!actor.IsSignedIn || actor.ActiveTeamId is not int teamId) return ServiceError.NoTeam("Sign in and join a team to submit: submissions belong to a team.");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var phase = await db.BenchmarkPhases.AsNoTracking().FirstOrDefaultAsync(p => p.Id == phaseId && p.BenchmarkId == benchmarkId, ct);
        if (phase is null) return ServiceError.NotFound($"Benchmark {benchmarkId} has no phase {phaseId}.");
        if (!phase.IsOpen(clock.GetUtcNow())) return $"The phase '{phase.Name}' takes submissions from {Formats.Stamp(phase.Opens)} to {Formats.Stamp(phase.Closes)}.";
        return LimitsOf(phase, await TeamSubmissionsAsync(db, phaseId, teamId, ct)).Refusal() is { } limit ? ServiceError.Quota(limit) : null;
    }

    /// <summary>
    /// Submits one of the team's models to an open phase: within the limits, the model is validated against the dataset
    /// (a refusal is stored with its reason and counts) and evaluated as a run of the team on the phase's images. One
    /// submission per benchmark is taken at a time, so two at once cannot both pass the limit.
    /// </summary>
    public Task<SubmissionResult> SubmitAsync(Actor actor, int benchmarkId, int phaseId, int modelId, CancellationToken ct = default) =>
        GatedAsync(actor, benchmarkId, phaseId, teamId => SubmitCheckedAsync(actor, teamId, phaseId, modelId, ct), ct);

    /// <summary>A model file refused at upload (the multipart API): stored as a refused submission, which counts.</summary>
    public Task<SubmissionResult> RecordRefusalAsync(Actor actor, int benchmarkId, int phaseId, string sha256, string reason, CancellationToken ct = default) =>
        GatedAsync(actor, benchmarkId, phaseId, async teamId =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var submission = new Submission
            {
                PhaseId = phaseId, TeamId = teamId, CreatedByUserId = actor.UserId, CreatedAt = clock.GetUtcNow(), ModelSha256 = sha256,
                Refusal = $"The model file was refused at upload: {reason}",
            };
            db.Submissions.Add(submission);
            await db.SaveChangesAsync(ct);
            return new(submission.Id, null, new ServiceError(ErrorKind.Invalid, $"The model was refused (this counts as a submission): {reason}"));
        }, ct);

    /// <summary>
    /// Submissions are taken one at a time per benchmark: the limits are checked (<see cref="PreflightAsync"/>) and the
    /// submission stored under the benchmark's gate, so two at once cannot both pass a limit, and an edit of the
    /// benchmark (which takes the same gate) never runs between a submission's checks and its store. A busy database
    /// stores and counts nothing (the server's fault, not the team's).
    /// </summary>
    private Task<SubmissionResult> GatedAsync(Actor actor, int benchmarkId, int phaseId, Func<int, Task<SubmissionResult>> submit, CancellationToken ct) =>
        InGateAsync(benchmarkId, async () =>
        {
            try
            {
                if (await PreflightAsync(actor, benchmarkId, phaseId, ct) is { } refused) return new SubmissionResult(null, null, refused);
                return await submit(actor.ActiveTeamId!.Value);
            }
            catch (Exception ex) when (InfoCamDbContext.IsBusy(ex))
            {
                return new SubmissionResult(null, null, InfoCamDbContext.BusyMessage);
            }
        }, ct);

    /// <summary>Runs <paramref name="work"/> holding the benchmark's gate (one web process serves the app); a gate nobody waits for is dropped afterwards.</summary>
    private async Task<T> InGateAsync<T>(int benchmarkId, Func<Task<T>> work, CancellationToken ct)
    {
        Gate gate;
        lock (_gates)
        {
            gate = _gates.TryGetValue(benchmarkId, out var open) ? open : _gates[benchmarkId] = new Gate();
            gate.Users++;
        }
        try
        {
            await gate.Semaphore.WaitAsync(ct);
            try
            {
                return await work();
            }
            finally
            {
                gate.Semaphore.Release();
            }
        }
        finally
        {
            lock (_gates)
            {
                if (--gate.Users == 0) _gates.Remove(benchmarkId);
            }
        }
    }

    /// <summary>The semaphore of one benchmark and how many submissions or edits hold or wait for it.</summary>
    private sealed class Gate
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users;
    }

    private async Task<SubmissionResult> SubmitCheckedAsync(Actor actor, int teamId, int phaseId, int modelId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var phase = await db.BenchmarkPhases.Include(p => p.Benchmark!).ThenInclude(b => b.Phases).Include(p => p.Benchmark!).ThenInclude(b => b.Dataset).FirstAsync(p => p.Id == phaseId, ct);
        var model = await db.Models.AsNoTracking().FirstOrDefaultAsync(m => m.Id == modelId, ct);
        if (model is null || model.TeamId != teamId) return new(null, null, "modelId: choose a model of the team you act for.");
        var dataset = phase.Benchmark!.Dataset!;
        // Checked here, with a message that names no label or file of the (possibly hidden) dataset.
        var created = model.Classes < dataset.Classes
            ? new RunCreation(null, $"The model has {model.Classes} outputs; this benchmark's dataset has {dataset.Classes} classes, so a model needs at least {dataset.Classes}.")
            : await runs.CreateForTeamAsync(null, teamId, RequestFor(phase.Benchmark!, modelId), ct, TermsFor(phase));
        var submission = new Submission
        {
            PhaseId = phaseId, TeamId = teamId, ModelId = modelId, RunId = created.RunId, CreatedByUserId = actor.UserId, CreatedAt = clock.GetUtcNow(),
            ModelSha256 = model.Sha256, Refusal = created.Error?.Message,
        };
        db.Submissions.Add(submission);
        await db.SaveChangesAsync(ct);
        return new(submission.Id, created.RunId, created.Error is { } refused ? new ServiceError(ErrorKind.Invalid, $"The model was refused (this counts as a submission): {refused.Message}") : null);
    }

    private static RunRequest RequestFor(Benchmark b, int modelId) => new()
    {
        ModelId = modelId, DatasetId = b.DatasetId, Split = b.Split, Protocol = b.Protocol, Methods = [.. b.Methods.Split(',')],
    };

    /// <summary>
    /// A hidden benchmark hides the annotations; in a phase whose board shows at the close, the labels and (until then)
    /// the scores too, and the labels in every phase sharing images with such a phase.
    /// </summary>
    internal static RunTerms TermsFor(BenchmarkPhase phase)
    {
        bool afterClose = phase.Visibility == BoardVisibility.AfterClose;
        bool sharesPrivateImages = phase.Benchmark!.Phases.Any(p => p.Visibility == BoardVisibility.AfterClose && p.SubsetFrom < phase.SubsetTo && phase.SubsetFrom < p.SubsetTo);
        var hiding = !phase.Benchmark.HiddenGroundTruth ? GroundTruthHiding.None
            : afterClose || sharesPrivateImages ? GroundTruthHiding.AnnotationsAndLabels : GroundTruthHiding.Annotations;
        return new RunTerms(new ImageSubset(phase.SubsetFrom, phase.SubsetTo), hiding, afterClose ? phase.Closes : null);
    }

    /// <summary>A phase's board: each team's standing entry (the phase's rule) ranked by the benchmark's metric; hidden from participants until it may show.</summary>
    public async Task<PhaseBoard?> BoardAsync(Actor actor, int benchmarkId, int phaseId, CancellationToken ct = default)
    {
        var view = await GetAsync(actor, benchmarkId, ct);
        var phase = view?.Phases.FirstOrDefault(p => p.Phase.Id == phaseId);
        return view is null || phase is null ? null : await BoardOfAsync(view, phase, ct);
    }

    /// <summary>Every phase's board of a benchmark already read for the actor (<see cref="GetAsync"/>), by phase id.</summary>
    public async Task<Dictionary<int, PhaseBoard>> BoardsAsync(BenchmarkView view, CancellationToken ct = default)
    {
        var boards = new Dictionary<int, PhaseBoard>();
        foreach (var phase in view.Phases)
        {
            boards[phase.Phase.Id] = await BoardOfAsync(view, phase, ct);
        }
        return boards;
    }

    private async Task<PhaseBoard> BoardOfAsync(BenchmarkView view, PhaseView phase, CancellationToken ct)
    {
        int phaseId = phase.Phase.Id;
        if (!phase.BoardShown) return new PhaseBoard(phase, view.Metric, [], phase.Phase.Closes);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var entries = await db.Submissions.AsNoTracking().Include(s => s.Run!).ThenInclude(r => r.Team).Include(s => s.Run!).ThenInclude(r => r.Model)
            .Where(s => s.PhaseId == phaseId && s.Run != null && s.Run.Status == RunStatus.Succeeded).ToListAsync(ct);
        var standing = phase.Phase.Rule == EntryRule.Last
            ? entries.GroupBy(s => s.TeamId).Select(g => g.OrderByDescending(s => s.CreatedAt).First()).ToList()
            : entries;
        var rows = await boards.RankAsync(standing.Select(s => s.Run!).ToList(), view.Metric, "best", onePerTeam: true, ct);
        var byRun = standing.ToDictionary(s => s.RunId!.Value);
        return new PhaseBoard(phase, view.Metric, rows.Select(r => new BenchmarkRow(r, byRun[r.RunId].Id, ReproductionOf(byRun[r.RunId]))).ToList(), null);
    }

    /// <summary>
    /// Any two rows of a shown board against each other on the ranking metric, paired over the phase's images: row A
    /// minus row B with its 95 % interval and p-value (docs/methods.md). Aggregates only: nothing per image leaves.
    /// </summary>
    public async Task<(LeaderGap? Gap, ServiceError? Error)> PairAsync(Actor actor, int benchmarkId, int phaseId, int submissionA, int submissionB, CancellationToken ct = default)
    {
        var board = await BoardAsync(actor, benchmarkId, phaseId, ct);
        if (board is null) return (null, ServiceError.NotFound($"Benchmark {benchmarkId} has no phase {phaseId}."));
        if (board.HiddenUntil is { } until) return (null, $"The board of this phase is shown when it closes ({Formats.Stamp(until)}).");
        var a = board.Rows.FirstOrDefault(r => r.SubmissionId == submissionA);
        var b = board.Rows.FirstOrDefault(r => r.SubmissionId == submissionB);
        if (a is null || b is null || submissionA == submissionB)
        {
            return (null, $"Choose two different entries of the board (submissions {string.Join(", ", board.Rows.Select(r => r.SubmissionId))}).");
        }
        var outcomesA = await runs.OutcomesAsync(a.Row.RunId, ct);
        var outcomesB = await runs.OutcomesAsync(b.Row.RunId, ct);
        try
        {
            var d = await Task.Run(() => PairedComparison.Compare(new ComparedRun(outcomesA, a.Row.Compared.Method, a.Row.Compared.MultiIoUs),
                new ComparedRun(outcomesB, b.Row.Compared.Method, b.Row.Compared.MultiIoUs), board.Metric, cancellationToken: ct), ct);
            return (LeaderGap.Of(d), null);
        }
        catch (ArgumentException)
        {
            return (null, "The two entries skipped different images: no paired test over the same images.");
        }
    }

    /// <summary>One row of a shown board with what reproduces it; null when the row is not on a board the actor may see.</summary>
    public async Task<(BenchmarkRow Row, PhaseBoard Board)?> RowAsync(Actor actor, int benchmarkId, int submissionId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var phaseId = await db.Submissions.Where(s => s.Id == submissionId).Select(s => (int?)s.PhaseId).FirstOrDefaultAsync(ct);
        if (phaseId is null || await BoardAsync(actor, benchmarkId, phaseId.Value, ct) is not { } board) return null;
        var row = board.Rows.FirstOrDefault(r => r.SubmissionId == submissionId);
        return row is null ? null : (row, board);
    }

    private static Reproduction ReproductionOf(Submission s)
    {
        var run = s.Run!;
        var result = ResultFiles.FromJson(run.ResultJson!);
        bool tf32 = run.Spec is { } spec && Data.Runs.RunSpec.FromJson(spec).Settings.AllowTf32;
        return new Reproduction(s.ModelSha256, LeaderboardService.SettingsText(result) + $" · {run.Protocol} · {run.Split}",
            run.EngineVersion ?? "not recorded", run.ProviderUsed ?? result.Model.Provider, tf32 ? "FP32 with TF32 allowed" : "FP32",
            run.FinishedAt ?? run.QueuedAt);
    }
}
