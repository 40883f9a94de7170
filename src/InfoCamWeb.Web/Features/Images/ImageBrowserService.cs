using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Localization;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;

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

public sealed record ImagePage(IReadOnlyList<ImageRow> Rows, int Total, IReadOnlyList<CamMethod> Methods, IReadOnlyList<string> ClassNames);

/// <summary>
/// The image browser: per-image rows from the run's stored outcomes, and server-rendered PNGs (photo with boxes, heatmap
/// overlays) cached on disk. Rendering uses the stored score maps and managed decoding only: no ONNX Runtime and no
/// native decoder in the web process.
/// </summary>
public sealed class ImageBrowserService(IDbContextFactory<InfoCamDbContext> dbFactory, InfoCamPaths paths, Datasets.DatasetAnnotations annotations)
{
    private static readonly (byte, byte, byte) Truth = (40, 220, 60);
    private readonly ImageDecoder _decoder = new(jpeg: JpegDecoderKind.ImageSharp);

    public Task<ImagePage?> QueryAsync(Actor actor, int runId, ImageQuery q, CancellationToken ct = default) => QueryCoreAsync(actor, runId, q, ct);

    /// <summary>For a valid share link: the link itself is the permission.</summary>
    internal Task<ImagePage?> QuerySharedAsync(int runId, ImageQuery q, CancellationToken ct = default) => QueryCoreAsync(null, runId, q, ct);

    internal Task<byte[]?> RenderSharedAsync(int runId, int index, string kind, CancellationToken ct = default) => RenderCoreAsync(runId, index, kind, ct);

    private async Task<ImagePage?> QueryCoreAsync(Actor? actor, int runId, ImageQuery q, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().Include(r => r.Dataset).Include(r => r.Team).FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null || (actor is not null && !AccessRules.CanReadRun(actor, run, run.Team!.IsBuiltIn))) return null;
        var methods = CamMethods.ParseList(run.Methods);
        var dataset = annotations.Get(run.Dataset!);
        var images = db.RunImages.AsNoTracking().Where(i => i.RunId == runId);
        if (q.ClassIndex is int c) images = images.Where(i => i.TrueClass == c);
        int m = Math.Clamp(q.Method, 0, methods.Count - 1);
        images = (q.Outcome, m) switch
        {
            ("hit", 0) => images.Where(i => i.IoU0 >= 0.5),
            ("hit", 1) => images.Where(i => i.IoU1 >= 0.5),
            ("hit", _) => images.Where(i => i.IoU2 >= 0.5),
            ("miss", 0) => images.Where(i => i.IoU0 < 0.5),
            ("miss", 1) => images.Where(i => i.IoU1 < 0.5),
            ("miss", _) => images.Where(i => i.IoU2 < 0.5),
            _ => images,
        };
        if (q.Disagree)
        {
            // Some method finds the object (IoU ≥ 0.5 at the fixed threshold) and another does not; one method never disagrees.
            images = methods.Count switch
            {
                1 => images.Where(i => false),
                2 => images.Where(i => (i.IoU0 >= 0.5) != (i.IoU1 >= 0.5)),
                _ => images.Where(i => (i.IoU0 >= 0.5) != (i.IoU1 >= 0.5) || (i.IoU1 >= 0.5) != (i.IoU2 >= 0.5)),
            };
        }
        var ordered = (m, q.BestFirst) switch
        {
            (0, false) => images.OrderBy(i => i.IoU0),
            (1, false) => images.OrderBy(i => i.IoU1),
            (_, false) => images.OrderBy(i => i.IoU2),
            (0, true) => images.OrderByDescending(i => i.IoU0),
            (1, true) => images.OrderByDescending(i => i.IoU1),
            (_, true) => images.OrderByDescending(i => i.IoU2),
        };
        int total = await images.CountAsync(ct);
        var rows = await ordered.ThenBy(i => i.Index).Skip(q.Page * q.PageSize).Take(q.PageSize)
            .Select(i => new { i.Index, i.ImageId, i.TrueClass, i.PredictedClass, i.IoU0, i.IoU1, i.IoU2 }).ToListAsync(ct);
        return new ImagePage(
            rows.Select(r => new ImageRow(r.Index, r.ImageId, dataset.ClassNames[r.TrueClass], dataset.ClassNames[r.PredictedClass],
                r.TrueClass == r.PredictedClass, new[] { r.IoU0, r.IoU1, r.IoU2 }.Take(methods.Count).ToArray())).ToList(),
            total, methods, dataset.ClassNames);
    }

    /// <summary>
    /// PNG of one image: <paramref name="kind"/> "photo" (ground truth in green, each method's box at the fixed threshold)
    /// or a method key (its heatmap over the image, with its box and the ground truth). Null when there is no such image.
    /// </summary>
    public async Task<byte[]?> RenderAsync(Actor actor, int runId, int index, string kind, CancellationToken ct = default)
    {
        await using (var check = await dbFactory.CreateDbContextAsync(ct))
        {
            var owner = await check.Runs.AsNoTracking().Where(r => r.Id == runId).Select(r => new { r.TeamId, r.Team!.IsBuiltIn, r.Published }).FirstOrDefaultAsync(ct);
            if (owner is null || !(owner.Published || AccessRules.CanRead(actor, owner.TeamId, owner.IsBuiltIn))) return null;
        }
        return await RenderCoreAsync(runId, index, kind, ct);
    }

    private async Task<byte[]?> RenderCoreAsync(int runId, int index, string kind, CancellationToken ct)
    {
        var cache = Path.Combine(paths.CacheFolder, "runs", runId.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{index}-{Safe(kind)}.png");
        return await PngCache.GetOrRenderAsync(cache, () => RenderPngAsync(runId, index, kind, ct), ct);
    }

    private async Task<byte[]?> RenderPngAsync(int runId, int index, string kind, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().Include(r => r.Dataset).Include(r => r.Model).FirstOrDefaultAsync(r => r.Id == runId, ct);
        var stored = await db.RunImages.AsNoTracking().FirstOrDefaultAsync(i => i.RunId == runId && i.Index == index, ct);
        if (run is null || stored is null) return null;
        var methods = CamMethods.ParseList(run.Methods);
        int methodIndex = -1;
        if (kind != "photo")
        {
            if (!CamMethods.TryParse(kind, out var method) || (methodIndex = methods.ToList().IndexOf(method)) < 0) return null;
        }
        var outcome = OutcomeCodec.Decode(stored.Outcome);
        var dataset = annotations.Get(run.Dataset!);
        var record = dataset.Images.FirstOrDefault(i => i.Id == stored.ImageId);
        if (record is null) return null;
        var protocol = Preprocessor.ParseProtocol(run.Protocol);
        int frame = run.Model?.InputSize ?? 224;
        byte[] png = await Task.Run(() =>
        {
            RgbImage view;
            try
            {
                view = Preprocessor.ToFrame(_decoder.Decode(dataset.ImagePath(record)), frame * 2, protocol);
            }
            catch (ImageDecodeException)
            {
                view = new RgbImage(frame * 2, frame * 2, Enumerable.Repeat((byte)128, frame * frame * 12).ToArray());
            }
            if (methodIndex >= 0 && stored.Maps is not null)
            {
                var raw = ScoreMapCodec.Decode(stored.Maps)[methodIndex];
                var up = new double[frame * frame];
                CubicUpsampler.Resize(Array.ConvertAll(raw.Values, v => (double)v), raw.Height, raw.Width, up, frame, frame);
                var q = new byte[frame * frame];
                ScoreMaps.NormalizeAndQuantize(up, q);
                Overlay.BlendHeatmap(view, q, frame);
            }
            foreach (var t in outcome.TruthBoxes) Overlay.DrawBox(view, t, frame, Truth, 3);
            for (int m = 0; m < outcome.Methods.Length; m++)
            {
                if (methodIndex < 0 || m == methodIndex)
                {
                    Overlay.DrawBox(view, outcome.Methods[m].FixedBox, frame, MethodStyles.Colour(methods[m]), 2);
                }
            }
            return Overlay.EncodePng(view);
        }, ct);
        return png;
    }

    private static string Safe(string kind) => kind is "infocam+" or "infocam-plus" ? "infocam-plus" : new string(kind.Where(char.IsLetterOrDigit).ToArray());

    /// <summary>The URL segment of a method ("infocam+" becomes "infocam-plus").</summary>
    public static string UrlKind(CamMethod m) => m == CamMethod.InfoCamPlus ? "infocam-plus" : m.Key();
}
