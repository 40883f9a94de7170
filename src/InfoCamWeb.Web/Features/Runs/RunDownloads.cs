using InfoCamWeb.Web.Extensions;

namespace InfoCamWeb.Web.Features.Runs;

/// <summary>Download endpoints: the run's JSON (same shape as the CLI's --output) and its per-image CSV.</summary>
public static class RunDownloads
{
    /// <summary>
    /// A download's file name after the run, its model and its dataset (<c>run-12-resnet18-cub-test.json</c>): several
    /// downloads in one folder stay told apart. Letters, digits, '.', '_' and '-' only; the names are shortened.
    /// </summary>
    public static string FileName(Data.Entities.RunRecord run, string extension)
    {
        static string Slug(string? text)
        {
            var slug = System.Text.RegularExpressions.Regex.Replace((text ?? "").ToLowerInvariant(), "[^a-z0-9._-]+", "-").Trim('-', '.');
            return slug.Length > 40 ? slug[..40].TrimEnd('-', '.') : slug;
        }
        var parts = new[] { $"run-{run.Id}", Slug(run.Model?.Name), Slug(run.Dataset?.Name), run.Split }.Where(p => p.Length > 0);
        return $"{string.Join('-', parts)}.{extension}";
    }

    public static void Map(WebApplication app)
    {
        app.MapGet("/datasets/{id:int}/images/{index:int}.png", async (int id, int index, Datasets.DatasetGallery gallery, ActorProvider actors, HttpContext http, CancellationToken ct) =>
        {
            var png = await gallery.RenderAsync(await actors.GetAsync(http.User, ct), id, index, ct);
            return png is null ? Results.NotFound() : Results.File(png, "image/png");
        });
        app.MapGet("/runs/{id:int}/images/{index:int}/{kind}.jpg", async (int id, int index, string kind, Images.ImageBrowserService images, ActorProvider actors, HttpContext http, CancellationToken ct) =>
        {
            var png = await images.RenderAsync(await actors.GetAsync(http.User, ct), id, index, kind, ct);
            return png is null ? Results.NotFound() : Results.File(png, "image/jpeg");
        });
        app.MapGet("/runs/{id:int}/result.json", async (int id, RunService runs, ActorProvider actors, HttpContext http, CancellationToken ct) =>
        {
            var run = await runs.GetAsync(await actors.GetAsync(http.User, ct), id, ct);
            if (run is null) return Results.NotFound();
            if (run.ResultJson is null) return Results.Conflict(new { error = run.Status == Data.Entities.RunStatus.Succeeded
                ? $"Run {id}'s scores are hidden until its benchmark phase closes ({run.ScoresHiddenUntil:u})."
                : $"Run {id} has no result yet (status {run.Status})." });
            return Results.File(System.Text.Encoding.UTF8.GetBytes(run.ResultJson), "application/json", FileName(run, "json"));
        });
        app.MapGet("/runs/{id:int}/images.csv", async (int id, RunService runs, ActorProvider actors, HttpContext http, CancellationToken ct) =>
        {
            var actor = await actors.GetAsync(http.User, ct);
            var run = await runs.GetAsync(actor, id, ct);
            if (run is null) return Results.NotFound();
            if (!Benchmarks.GroundTruthPolicy.For(actor, run).Annotations)
            {
                return Results.Text(Benchmarks.GroundTruthPolicy.PerImageRefusal(id), statusCode: StatusCodes.Status403Forbidden);
            }
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = new System.Net.Mime.ContentDisposition { FileName = FileName(run, "images.csv") }.ToString();
            await using var writer = new StreamWriter(http.Response.Body, new System.Text.UTF8Encoding(false));
            await runs.WritePerImageCsvAsync(run, writer, ct);
            return Results.Empty;
        });
    }
}
