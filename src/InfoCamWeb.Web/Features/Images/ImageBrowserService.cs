using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Localization;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace InfoCamWeb.Web.Features.Images;

/// <summary>Filters of the image browser.</summary>
public sealed record ImageQuery
{
    public int? ClassIndex { get; init; }

    /// <summary>"all", "hit" or "miss" of <see cref="Method"/> at the fixed threshold (IoU ≥ 0.5).</summary>
    public string Outcome { get; init; } = "all";

    /// <summary>Method index whose IoU sorts the list (worst first, or best first) and whose hits/misses filter it.</summary>
    public int Method { get; init; }

    /// <summary>Only images where the run's methods disagree: one finds the object (IoU ≥ 0.5), another does not.</summary>
    public bool Disagree { get; init; }

    /// <summary>Highest IoU first instead of lowest first.</summary>
    public bool BestFirst { get; init; }

    public int Page { get; init; }
    public int PageSize { get; init; } = 12;
}

public sealed record ImageRow(int Index, string ImageId, string TrueLabel, string PredictedLabel, bool Correct, double[] IoU);

/// <summary>One method's result on one image: its box at the fixed threshold and that box's IoU.</summary>
public sealed record MethodOnImage(CamMethod Method, double IoU, Box Box);

/// <summary>A class the model ranked among its top five for an image, with its softmax probability.</summary>
public sealed record RankedClass(string Name, double Probability, bool IsTrue);

/// <summary>
/// Everything the detail view shows of one image: the image's own size (heatmaps are shown at its aspect ratio), each
/// method's box and IoU, the model's top classes (empty for runs stored before they were kept), and its neighbours.
/// </summary>
public sealed record ImageDetail(
    int Index, string ImageId, string TrueLabel, string PredictedLabel, bool Correct, int Width, int Height, double CamThreshold,
    IReadOnlyList<MethodOnImage> Methods, IReadOnlyList<RankedClass> TopClasses, int? Previous, int? Next)
{
    public Benchmarks.Disclosure Shown { get; init; } = Benchmarks.Disclosure.Full;
}

/// <summary>A page of the browser; <see cref="Shown"/> says what of the ground truth the viewer may see (benchmark submissions).</summary>
public sealed record ImagePage(IReadOnlyList<ImageRow> Rows, int Total, IReadOnlyList<CamMethod> Methods, IReadOnlyList<string> ClassNames)
{
    public Benchmarks.Disclosure Shown { get; init; } = Benchmarks.Disclosure.Full;

    /// <summary>Labels are hidden and the run has not succeeded: no image is listed until it has (see <see cref="ImageBrowserService"/>).</summary>
    public bool AfterTheRun { get; init; }
}

/// <summary>
/// The image browser: per-image rows from the run's stored outcomes, and server-rendered PNGs (photo with boxes, heatmap
/// overlays) cached on disk. Rendering uses the stored score maps and managed decoding only: no ONNX Runtime and no
/// native decoder in the web process.
/// </summary>
/// <remarks>
/// A viewer who may not see the run's labels sees the images in <see cref="ImageOrder"/>'s shuffled order, and every
/// index this service takes from or gives to such a viewer (rows, detail, neighbours, image URLs) is a position in it;
/// and only once the run has succeeded: the worker stores images batch by batch in split order, so which ones arrive
/// together would tell it. The shuffle of a finished run is kept (at most <see cref="KeptPositions"/> positions in all).
/// </remarks>
public sealed class ImageBrowserService(IDbContextFactory<InfoCamDbContext> dbFactory, Datasets.DatasetAnnotations annotations, ImageRenderer renderer, ImageOrder order)
    : IDisposable
{
    internal const int KeptPositions = 4_000_000;
    private readonly MemoryCache _shuffles = new(new MemoryCacheOptions { SizeLimit = KeptPositions });

    public void Dispose() => _shuffles.Dispose();

    private readonly ImageDecoder _decoder = new(jpeg: JpegDecoderKind.ImageSharp);

    public Task<ImagePage?> QueryAsync(Actor actor, int runId, ImageQuery q, CancellationToken ct = default) => QueryCoreAsync(actor, runId, q, ct);

    /// <summary>For a valid share link: the link itself is the permission.</summary>
    internal Task<ImagePage?> QuerySharedAsync(int runId, ImageQuery q, CancellationToken ct = default) => QueryCoreAsync(null, runId, q, ct);

    internal async Task<byte[]?> RenderSharedAsync(int runId, int index, string kind, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().Where(r => r.Id == runId).Select(r => new { r.Concealment, r.Status }).FirstOrDefaultAsync(ct);
        if (run is null) return null;
        return await IndexAtAsync(db, runId, index, labelsHidden: !Benchmarks.GroundTruthPolicy.LabelsShown(null, run.Concealment, null), run.Status, ct) is int stored
            ? await renderer.GetAsync(runId, stored, kind, hostView: false, ct)
            : null;
    }

    /// <summary>
    /// The stored index of what a viewer calls <paramref name="index"/>: itself, or, when the labels are hidden from
    /// them, the image at that position of the shuffled order of a succeeded run; null when there is no such position.
    /// </summary>
    private async Task<int?> IndexAtAsync(InfoCamDbContext db, int runId, int index, bool labelsHidden, RunStatus status, CancellationToken ct)
    {
        if (!labelsHidden) return index;
        if (status != RunStatus.Succeeded) return null;
        var shuffled = await ShuffledAsync(db, runId, ct);
        return (uint)index < (uint)shuffled.Length ? shuffled[index] : null;
    }

    /// <summary>The shuffled order of a succeeded run's images (its images no longer change), computed once and kept.</summary>
    private async Task<int[]> ShuffledAsync(InfoCamDbContext db, int runId, CancellationToken ct)
    {
        if (_shuffles.TryGetValue(runId, out int[]? kept) && kept is not null) return kept;
        var shuffled = order.Shuffle(runId, await db.RunImages.AsNoTracking().Where(i => i.RunId == runId).Select(i => i.Index).ToListAsync(ct));
        _shuffles.Set(runId, shuffled, new MemoryCacheEntryOptions { Size = Math.Max(1, shuffled.Length), SlidingExpiration = TimeSpan.FromHours(6) });
        return shuffled;
    }

    private async Task<ImagePage?> QueryCoreAsync(Actor? actor, int runId, ImageQuery q, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().Include(r => r.Dataset).Include(r => r.Team).FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null || (actor is not null && !AccessRules.CanReadRun(actor, run, run.Team!.IsBuiltIn, run.Dataset!.TeamId))) return null;
        var shown = Benchmarks.GroundTruthPolicy.For(actor, run);
        // Hidden ground truth: no filter or order that reads it (IoUs, hits, true classes); split order, maps and predicted boxes only.
        if (!shown.Annotations) q = q with { Outcome = "all", Disagree = false, BestFirst = false, ClassIndex = shown.Labels ? q.ClassIndex : null };
        var methods = CamMethods.ParseList(run.Methods);
        var dataset = annotations.Get(run.Dataset!);
        var images = db.RunImages.AsNoTracking().Where(i => i.RunId == runId);
        // No "Method < methods.Count" here: a range on Method makes SQLite drive every query from the IoU index and read
        // 50,000 image rows for a one-class filter (0.5 s each for the count and the page at ImageNet size, against 1 ms).
        var ious = db.RunImageMethods.AsNoTracking().Where(x => x.RunId == runId);
        if (q.ClassIndex is int c)
        {
            images = images.Where(i => i.TrueClass == c);
            // Also on the IoUs: ordering by IoU, SQLite walks the IoU index and would read every image row to test
            // its class; with the class's indices as a list it reads only the class's rows (0.6 s to 0.07 s at 50,000).
            var ofClass = images.Select(i => i.Index);
            ious = ious.Where(x => ofClass.Contains(x.Index));
        }
        if (q.Disagree)
        {
            var mixed = Disagreeing(ious, methods.Count);
            images = images.Where(i => mixed.Contains(i.Index));
        }
        int m = Math.Clamp(q.Method, 0, methods.Count - 1);
        var by = q.Outcome switch
        {
            "hit" => ious.Where(x => x.Method == m && x.FixedIoU >= 0.5),
            "miss" => ious.Where(x => x.Method == m && x.FixedIoU < 0.5),
            _ => ious.Where(x => x.Method == m),
        };
        var joined = images.Join(by, i => i.Index, x => x.Index, (i, x) => new { Image = i, x.FixedIoU });
        if (!shown.Labels)
        {
            return run.Status == RunStatus.Succeeded
                ? await ShuffledPageAsync(db, runId, q, images, methods, dataset, shown, ct)
                : new ImagePage([], 0, methods, []) { Shown = shown, AfterTheRun = true };
        }
        var ordered = !shown.Annotations ? joined.OrderBy(j => j.Image.Index) : q.BestFirst ? joined.OrderByDescending(j => j.FixedIoU) : joined.OrderBy(j => j.FixedIoU);
        int total = await joined.CountAsync(ct);
        var rows = await ordered.ThenBy(j => j.Image.Index).Skip(q.Page * q.PageSize).Take(q.PageSize)
            .Select(j => new { j.Image.Index, j.Image.ImageId, j.Image.TrueClass, j.Image.PredictedClass }).ToListAsync(ct);
        var onPage = rows.Select(r => r.Index).ToList();
        var perImage = shown.Annotations ? (await ious.Where(x => onPage.Contains(x.Index)).ToListAsync(ct)).ToLookup(x => x.Index) : Enumerable.Empty<RunImageMethodRecord>().ToLookup(x => x.Index);
        double[] IoUs(int index)
        {
            var values = new double[methods.Count];
            if (!shown.Annotations) Array.Fill(values, double.NaN);
            foreach (var x in perImage[index])
            {
                if (x.Method < values.Length) values[x.Method] = x.FixedIoU;
            }
            return values;
        }
        return new ImagePage(
            rows.Select(r => shown.Labels
                ? new ImageRow(r.Index, r.ImageId, dataset.NameOf(r.TrueClass), dataset.NameOf(r.PredictedClass), r.TrueClass == r.PredictedClass, IoUs(r.Index))
                : new ImageRow(r.Index, WithheldName(r.Index), "", dataset.NameOf(r.PredictedClass), false, IoUs(r.Index))).ToList(),
            total, methods, shown.Labels ? dataset.ClassNames : []) { Shown = shown };
    }

    /// <summary>A page for a viewer who may not see the labels: positions in the shuffled order, predicted classes and maps only.</summary>
    private async Task<ImagePage> ShuffledPageAsync(
        InfoCamDbContext db, int runId, ImageQuery q, IQueryable<RunImageRecord> images, IReadOnlyList<CamMethod> methods, Dataset dataset,
        Benchmarks.Disclosure shown, CancellationToken ct)
    {
        var shuffled = await ShuffledAsync(db, runId, ct);
        int first = q.Page * q.PageSize;
        var onPage = shuffled.Skip(first).Take(q.PageSize).ToList();
        var predicted = await images.Where(i => onPage.Contains(i.Index)).ToDictionaryAsync(i => i.Index, i => i.PredictedClass, ct);
        var rows = onPage.Select((index, k) => new ImageRow(first + k, WithheldName(first + k), "", predicted.TryGetValue(index, out int p) ? dataset.NameOf(p) : "", false,
            Enumerable.Repeat(double.NaN, methods.Count).ToArray())).ToList();
        return new ImagePage(rows, shuffled.Length, methods, []) { Shown = shown };
    }

    /// <summary>Images where some method finds the object (IoU ≥ 0.5 at the fixed threshold) and another does not; one method never disagrees.</summary>
    private static IQueryable<int> Disagreeing(IQueryable<RunImageMethodRecord> ious, int methods) =>
        ious.GroupBy(x => x.Index)
            .Where(g => g.Count(x => x.FixedIoU >= 0.5) > 0 && g.Count(x => x.FixedIoU >= 0.5) < methods)
            .Select(g => g.Key);

    /// <summary>One image of a run for its detail view; null when the run or image does not exist or the actor may not read it.</summary>
    public Task<ImageDetail?> DetailAsync(Actor actor, int runId, int index, CancellationToken ct = default) => DetailCoreAsync(actor, runId, index, ct);

    /// <summary>For a valid share link: the link itself is the permission.</summary>
    internal Task<ImageDetail?> DetailSharedAsync(int runId, int index, CancellationToken ct = default) => DetailCoreAsync(null, runId, index, ct);

    private async Task<ImageDetail?> DetailCoreAsync(Actor? actor, int runId, int index, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().Include(r => r.Dataset).Include(r => r.Team).FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null || (actor is not null && !AccessRules.CanReadRun(actor, run, run.Team!.IsBuiltIn, run.Dataset!.TeamId))) return null;
        var shown = Benchmarks.GroundTruthPolicy.For(actor, run);
        bool labels = shown.Labels;
        var (stored, previous, next) = labels ? await AtIndexAsync(db, runId, index, ct)
            : run.Status == RunStatus.Succeeded ? await AtPositionAsync(db, runId, index, ct) : (null, null, null);
        if (stored is null) return null;
        var dataset = annotations.Get(run.Dataset!);
        var outcome = OutcomeCodec.Decode(stored.Outcome);
        var (width, height) = SizeOf(dataset, stored.ImageId);
        var methods = CamMethods.ParseList(run.Methods);
        return new ImageDetail(index, labels ? stored.ImageId : WithheldName(index), labels ? dataset.NameOf(outcome.TrueClass) : "", dataset.NameOf(outcome.PredictedClass),
            labels && outcome.TrueClass == outcome.PredictedClass, width, height, run.CamThreshold,
            methods.Select((m, k) => new MethodOnImage(m, shown.Annotations ? outcome.Methods[k].FixedIoU : double.NaN, outcome.Methods[k].FixedBox)).ToList(),
            outcome.TopClasses.Select(t => new RankedClass(dataset.NameOf(t.Class), t.Probability, labels && t.Class == outcome.TrueClass)).ToList(),
            previous, next) { Shown = shown };
    }

    /// <summary>The image stored at <paramref name="index"/> and the indices of its stored neighbours.</summary>
    private static async Task<(RunImageRecord? Stored, int? Previous, int? Next)> AtIndexAsync(InfoCamDbContext db, int runId, int index, CancellationToken ct)
    {
        var stored = await db.RunImages.AsNoTracking().FirstOrDefaultAsync(i => i.RunId == runId && i.Index == index, ct);
        var neighbours = await db.RunImages.AsNoTracking().Where(i => i.RunId == runId && (i.Index == index - 1 || i.Index == index + 1))
            .Select(i => i.Index).ToListAsync(ct);
        return (stored, neighbours.Contains(index - 1) ? index - 1 : null, neighbours.Contains(index + 1) ? index + 1 : null);
    }

    /// <summary>The image at <paramref name="position"/> of the shuffled order and the neighbouring positions.</summary>
    private async Task<(RunImageRecord? Stored, int? Previous, int? Next)> AtPositionAsync(InfoCamDbContext db, int runId, int position, CancellationToken ct)
    {
        var shuffled = await ShuffledAsync(db, runId, ct);
        if ((uint)position >= (uint)shuffled.Length) return (null, null, null);
        int index = shuffled[position];
        var stored = await db.RunImages.AsNoTracking().FirstOrDefaultAsync(i => i.RunId == runId && i.Index == index, ct);
        return (stored, position > 0 ? position - 1 : null, position + 1 < shuffled.Length ? position + 1 : null);
    }

    /// <summary>An image's name when labels are hidden (file names may carry the class, as CUB's do).</summary>
    private static string WithheldName(int index) => $"image {index + 1}";

    /// <summary>The image's size from the annotations, else from its header; a square when the file is gone or unreadable.</summary>
    private (int Width, int Height) SizeOf(Dataset dataset, string imageId)
    {
        var record = dataset.Images.FirstOrDefault(i => i.Id == imageId);
        if (record is null) return (1, 1);
        if (record.Width is int w && record.Height is int h) return (w, h);
        try
        {
            return _decoder.Identify(dataset.ImagePath(record));
        }
        catch (Exception ex) when (ex is ImageDecodeException or IOException or UnauthorizedAccessException)
        {
            return (1, 1);
        }
    }

    /// <summary>
    /// PNG of one image: <paramref name="kind"/> "photo" (ground truth in green, each method's box at the fixed threshold)
    /// or a method key (its heatmap over the image, with its box and the ground truth). Null when there is no such image.
    /// </summary>
    public async Task<byte[]?> RenderAsync(Actor actor, int runId, int index, string kind, CancellationToken ct = default)
    {
        RunAccess? access;
        RunStatus status;
        await using (var check = await dbFactory.CreateDbContextAsync(ct))
        {
            (access, status) = await check.Runs.AsNoTracking().Where(r => r.Id == runId)
                .Select(r => new ValueTuple<RunAccess?, RunStatus>(new RunAccess(r.TeamId, r.Team!.IsBuiltIn, r.Published, r.Concealment, r.ScoresHiddenUntil, r.Dataset!.TeamId), r.Status))
                .FirstOrDefaultAsync(ct);
        }
        if (access is null || !AccessRules.CanReadRun(actor, access)) return null;
        // The host of a benchmark with hidden ground truth sees it drawn on the submissions' images too, and the labels' order.
        bool host = access.DatasetTeamId is int hostTeam && actor.IsMember(hostTeam);
        bool hostView = access.Concealment != GroundTruthHiding.None && host;
        bool labelsHidden = !Benchmarks.GroundTruthPolicy.LabelsShown(actor, access.Concealment, access.DatasetTeamId);
        if (!labelsHidden) return await renderer.GetAsync(runId, index, kind, hostView, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await IndexAtAsync(db, runId, index, labelsHidden, status, ct) is int stored ? await renderer.GetAsync(runId, stored, kind, hostView, ct) : null;
    }

}
