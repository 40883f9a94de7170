using System.Collections.Concurrent;
using System.Globalization;
using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Localization;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Features.Images;

/// <summary>
/// The JPEGs of the image browser: for one image of a run, the photo with every box ("photo") and one heatmap per
/// method (its URL kind), cached on disk (<see cref="PngCache"/>). All views of an image are rendered together, from one decode and one resize,
/// and concurrent requests for the same image share that one render (a page asks for all its views at once). Rendering
/// uses the stored score maps and managed decoding only: no ONNX Runtime and no native decoder in the web process.
/// A benchmark submission with hidden ground truth has two sets of views: without the ground truth for everyone but the
/// host, and with it for the host (the dataset's team), each cached on its own.
/// </summary>
public sealed class ImageRenderer(IDbContextFactory<InfoCamDbContext> dbFactory, InfoCamPaths paths, Datasets.DatasetAnnotations annotations)
{
    private static readonly (byte, byte, byte) TruthColour = (40, 220, 60);
    private readonly ImageDecoder _decoder = new(jpeg: JpegDecoderKind.ImageSharp);
    private readonly ConcurrentDictionary<(int Run, int Index, bool Host), Lazy<Task<IReadOnlyDictionary<string, byte[]>?>>> _rendering = new();

    /// <summary>Appended to a kind for the view at the evaluation frame's own size (the browser's grid) instead of twice it.</summary>
    public const string SmallSuffix = "-small";

    /// <summary>One view of an image; null when the run has no such image or no such method.</summary>
    /// <param name="hostView">The host's views of a submission with hidden ground truth: drawn with it, cached apart. Callers pass false for other runs (the ground truth is drawn for everyone).</param>
    public async Task<byte[]?> GetAsync(int runId, int index, string kind, bool hostView, CancellationToken ct)
    {
        bool small = kind.EndsWith(SmallSuffix, StringComparison.Ordinal);
        var view = CacheKind(small ? kind[..^SmallSuffix.Length] : kind);
        // Only a view some run can have starts a render; a view this image lacks once it is rendered never does.
        if (!KnownViews.Contains(view)) return null;
        kind = view + (small ? SmallSuffix : "");
        if (await PngCache.TryReadAsync(CachePath(runId, index, kind, hostView), ct) is byte[] cached) return cached;
        if (File.Exists(CachePath(runId, index, "photo" + SmallSuffix, hostView))) return null;
        var views = await RenderAllAsync(runId, index, hostView).WaitAsync(ct);
        return views is not null && views.TryGetValue(kind, out var png) ? png : null;
    }

    /// <summary>Renders the views of the images not cached yet (a finished run's first page, before anyone opens it).</summary>
    public async Task WarmAsync(int runId, IEnumerable<int> indices, CancellationToken ct)
    {
        foreach (int index in indices)
        {
            if (!File.Exists(CachePath(runId, index, "photo" + SmallSuffix, hostView: false))) await RenderAllAsync(runId, index, hostView: false).WaitAsync(ct);
        }
    }

    private static readonly HashSet<string> KnownViews = ["photo", .. CamMethods.Every.Select(m => m.UrlKey())];

    /// <summary>The grid shows the small view and lets a high-density screen take the large one.</summary>
    public static string SrcSet(string url) => $"{url.Replace(".jpg", SmallSuffix + ".jpg", StringComparison.Ordinal)} 1x, {url} 2x";

    /// <summary>The file name of a view: "photo", or the method's URL key whichever way the method was spelled ("infocam+", "infocam-plus").</summary>
    private static string CacheKind(string kind) => CamMethods.TryParse(kind, out var m) ? m.UrlKey() : kind;

    /// <summary>The run's folder holds everyone's views; its "host" folder the host's views of a submission with hidden ground truth.</summary>
    private string CachePath(int runId, int index, string kind, bool hostView) =>
        Path.Combine(paths.CacheFolder, "runs", runId.ToString(CultureInfo.InvariantCulture), hostView ? "host" : "", $"{index}-{kind}.jpg");

    private Task<IReadOnlyDictionary<string, byte[]>?> RenderAllAsync(int runId, int index, bool hostView)
    {
        var key = (runId, index, hostView);
        var render = _rendering.GetOrAdd(key, _ => new Lazy<Task<IReadOnlyDictionary<string, byte[]>?>>(() => RenderAndStoreAsync(runId, index, hostView)));
        // The render belongs to no single request (one that gives up does not cancel it for the others); once stored, the cache answers.
        _ = render.Value.ContinueWith(_ => _rendering.TryRemove(KeyValuePair.Create(key, render)), TaskScheduler.Default);
        return render.Value;
    }

    private async Task<IReadOnlyDictionary<string, byte[]>?> RenderAndStoreAsync(int runId, int index, bool hostView)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var run = await db.Runs.AsNoTracking().Include(r => r.Dataset).Include(r => r.Model).FirstOrDefaultAsync(r => r.Id == runId);
        var stored = await db.RunImages.AsNoTracking().FirstOrDefaultAsync(i => i.RunId == runId && i.Index == index);
        if (run is null || stored is null) return null;
        var dataset = annotations.Get(run.Dataset!);
        var record = dataset.Images.FirstOrDefault(i => i.Id == stored.ImageId);
        if (record is null) return null;
        var views = await Task.Run(() => Render(run, stored, dataset, record, hostView));
        try
        {
            foreach (var (kind, png) in views) await PngCache.WriteAsync(CachePath(runId, index, kind, hostView), png, CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A full or read-only cache disk costs speed, not the answer: the views were rendered.
        }
        return views;
    }

    private Dictionary<string, byte[]> Render(RunRecord run, RunImageRecord stored, Dataset dataset, ImageRecord record, bool hostView)
    {
        var methods = CamMethods.ParseList(run.Methods);
        var outcome = OutcomeCodec.Decode(stored.Outcome);
        int frame = run.Model?.InputSize ?? 224;
        var protocol = Preprocessor.ParseProtocol(run.Protocol);
        var maps = stored.Maps is null ? null : ScoreMapCodec.Decode(stored.Maps);
        var upsampled = maps?.Select(raw => Upsampled(raw, frame)).ToArray();
        var views = new Dictionary<string, byte[]>();
        var photo = Decode(dataset.ImagePath(record));
        // A benchmark submission with hidden ground truth is drawn without it, but for its host.
        var truth = run.Concealment != GroundTruthHiding.None && !hostView
            ? new Truth([], null)
            : new Truth(outcome.TruthBoxes, photo is not null && dataset.HasMasks ? Mask(dataset, record, photo, frame) : null);
        foreach (var (scale, suffix) in new[] { (2, ""), (1, SmallSuffix) })
        {
            var background = photo is null ? Grey(frame * scale) : Preprocessor.ToFrame(photo, frame * scale, protocol);
            views["photo" + suffix] = Photo(background, outcome, truth, methods, frame, scale);
            for (int m = 0; m < methods.Count; m++)
            {
                views[methods[m].UrlKey() + suffix] = Heatmap(background, outcome, truth, upsampled?[m], methods[m], m, frame, scale);
            }
        }
        return views;
    }

    /// <summary>The ground truth drawn on the views: the boxes, or for a mask dataset the masks in place of boxes.</summary>
    private sealed record Truth(Box[] Boxes, byte[]? Mask);

    /// <summary>The image's masks in the frame, or null (boxes are drawn instead) when they cannot be read any more.</summary>
    private byte[]? Mask(Dataset dataset, ImageRecord record, RgbImage photo, int frame)
    {
        try
        {
            return MaskGroundTruth.Load(dataset, record, photo.Width, photo.Height, frame, _decoder).Pixels;
        }
        catch (DatasetException)
        {
            return null;
        }
    }

    private static void DrawTruth(RgbImage view, Truth truth, int frame, int scale, double tint)
    {
        if (truth.Mask is { } mask)
        {
            Overlay.DrawMask(view, mask, frame, TruthColour, tint);
            return;
        }
        foreach (var t in truth.Boxes) Overlay.DrawBox(view, t, frame, TruthColour, scale + 1);
    }

    /// <summary>The map as the protocol sees it: cubic upsampling to the frame, normalised and quantised (once for both sizes).</summary>
    private static byte[] Upsampled(RawScoreMap raw, int frame)
    {
        var up = new double[frame * frame];
        CubicUpsampler.Resize(Array.ConvertAll(raw.Values, v => (double)v), raw.Height, raw.Width, up, frame, frame);
        var q = new byte[frame * frame];
        ScoreMaps.NormalizeAndQuantize(up, q);
        return q;
    }

    /// <summary>The photo, or null when the file cannot be decoded any more (its views are then drawn on grey).</summary>
    private RgbImage? Decode(string path)
    {
        try
        {
            return _decoder.Decode(path);
        }
        catch (ImageDecodeException)
        {
            return null;
        }
    }

    private static RgbImage Grey(int size) => new(size, size, Enumerable.Repeat((byte)128, size * size * 3).ToArray());

    /// <summary>Ground truth 3 px and method boxes 2 px wide at twice the frame; 2 and 1 px at the frame's size.</summary>
    private static byte[] Photo(RgbImage background, ImageOutcome outcome, Truth truth, IReadOnlyList<CamMethod> methods, int frame, int scale)
    {
        var view = Copy(background);
        DrawTruth(view, truth, frame, scale, tint: 0.3);
        for (int m = 0; m < outcome.Methods.Length; m++) Overlay.DrawBox(view, outcome.Methods[m].FixedBox, frame, MethodStyles.Colour(methods[m]), scale);
        return Overlay.EncodeJpeg(view);
    }

    private static byte[] Heatmap(RgbImage background, ImageOutcome outcome, Truth truth, byte[]? map, CamMethod method, int m, int frame, int scale)
    {
        var view = Copy(background);
        if (map is not null) Overlay.BlendHeatmap(view, map, frame);
        DrawTruth(view, truth, frame, scale, tint: 0);
        Overlay.DrawBox(view, outcome.Methods[m].FixedBox, frame, MethodStyles.Colour(method), scale);
        return Overlay.EncodeJpeg(view);
    }

    private static RgbImage Copy(RgbImage image) => new(image.Width, image.Height, (byte[])image.Pixels.Clone());
}
