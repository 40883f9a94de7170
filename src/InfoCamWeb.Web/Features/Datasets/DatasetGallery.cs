using System.Globalization;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Localization;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Features.Datasets;

public sealed record GalleryItem(int Index, string ImageId, string ClassName, int Boxes);

/// <summary>Thumbnails of a dataset's images with their ground-truth boxes drawn (managed decoding, cached PNGs).</summary>
public sealed class DatasetGallery(IDbContextFactory<InfoCamDbContext> dbFactory, InfoCamPaths paths, DatasetAnnotations annotations)
{
    public const int ThumbnailWidth = 240;
    private readonly ImageDecoder _decoder = new(jpeg: JpegDecoderKind.ImageSharp);

    public async Task<(IReadOnlyList<GalleryItem> Items, int Total)?> PageAsync(Actor actor, int datasetId, int page, int pageSize, CancellationToken ct = default)
    {
        var dataset = await DatasetAsync(actor, datasetId, ct);
        if (dataset is null) return null;
        var items = dataset.Images.Select((img, i) => new GalleryItem(i, img.Id, dataset.ClassNames[img.ClassIndex], img.Boxes.Count + img.Masks.Count))
            .Skip(page * pageSize).Take(pageSize).ToList();
        return (items, dataset.Images.Count);
    }

    public async Task<byte[]?> RenderAsync(Actor actor, int datasetId, int index, CancellationToken ct = default)
    {
        var dataset = await DatasetAsync(actor, datasetId, ct);
        if (dataset is null) return null;
        if (index < 0 || index >= dataset.Images.Count) return null;
        var cache = Path.Combine(paths.CacheFolder, "datasets", datasetId.ToString(CultureInfo.InvariantCulture), $"{index}.png");
        return await Images.PngCache.GetOrRenderAsync(cache, () => RenderPngAsync(dataset, dataset.Images[index], ct), ct);
    }

    private Task<byte[]?> RenderPngAsync(Dataset dataset, ImageRecord record, CancellationToken ct) =>
        Task.Run<byte[]?>(() =>
        {
            RgbImage image;
            try
            {
                image = _decoder.Decode(dataset.ImagePath(record));
            }
            catch (ImageDecodeException)
            {
                return null;
            }
            int w = ThumbnailWidth, h = Math.Max(1, (int)Math.Round(image.Height * (double)ThumbnailWidth / image.Width));
            var thumb = PilResize.Resize(image, w, h);
            DrawMasks(dataset, record, image, thumb);
            foreach (var b in record.Boxes)
            {
                var box = new Box((int)b.X0, (int)b.Y0, Math.Min(image.Width - 1, (int)b.X1), Math.Min(image.Height - 1, (int)b.Y1));
                Overlay.DrawBox(thumb, box, image.Width, image.Height, (40, 220, 60), 2);
            }
            return Overlay.EncodePng(thumb);
        }, ct);

    /// <summary>A mask dataset's thumbnail shows its masks (outlined, ignored region greyed); a mask that cannot be read shows nothing.</summary>
    private void DrawMasks(Dataset dataset, ImageRecord record, RgbImage image, RgbImage thumb)
    {
        if (record.Masks.Count == 0) return;
        try
        {
            var mask = MaskGroundTruth.Load(dataset, record, image.Width, image.Height, 224, _decoder);
            Overlay.DrawMask(thumb, mask.Pixels, 224, (40, 220, 60), tint: 0.25);
        }
        catch (DatasetException)
        {
            // The page lists the dataset's problems; the thumbnail stays a photo.
        }
    }

    private async Task<Dataset?> DatasetAsync(Actor actor, int id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var record = await db.Datasets.AsNoTracking().Include(d => d.Team).FirstOrDefaultAsync(d => d.Id == id, ct);
        if (record is null || !AccessRules.CanRead(actor, record.TeamId, record.Team!.IsBuiltIn)) return null;
        return await annotations.GetAsync(record, ct);
    }
}
