using InfoCamWeb.Web.Extensions;

namespace InfoCamWeb.Web.Features.Runs;

/// <summary>Download endpoints: the run's JSON (same shape as the CLI's --output) and its per-image CSV.</summary>
public static class RunDownloads
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/datasets/{id:int}/images/{index:int}.png", async (int id, int index, Datasets.DatasetGallery gallery, ActorProvider actors, HttpContext http, CancellationToken ct) =>
        {
            var png = await gallery.RenderAsync(await actors.GetAsync(http.User, ct), id, index, ct);
            return png is null ? Results.NotFound() : Results.File(png, "image/png");
        });
        app.MapGet("/runs/{id:int}/images/{index:int}/{kind}.png", async (int id, int index, string kind, Images.ImageBrowserService images, ActorProvider actors, HttpContext http, CancellationToken ct) =>
        {
            var png = await images.RenderAsync(await actors.GetAsync(http.User, ct), id, index, kind, ct);
            return png is null ? Results.NotFound() : Results.File(png, "image/png");
        });
        app.MapGet("/runs/{id:int}/result.json", async (int id, RunService runs, ActorProvider actors, HttpContext http, CancellationToken ct) =>
        {
            var run = await runs.GetAsync(await actors.GetAsync(http.User, ct), id, ct);
            if (run is null) return Results.NotFound();
            if (run.ResultJson is null) return Results.Conflict(new { error = $"Run {id} has no result yet (status {run.Status})." });
            return Results.File(System.Text.Encoding.UTF8.GetBytes(run.ResultJson), "application/json", $"run-{id}.json");
        });
        app.MapGet("/runs/{id:int}/images.csv", async (int id, RunService runs, ActorProvider actors, HttpContext http, CancellationToken ct) =>
        {
            var run = await runs.GetAsync(await actors.GetAsync(http.User, ct), id, ct);
            if (run is null) return Results.NotFound();
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = $"attachment; filename=run-{id}-images.csv";
            await using var writer = new StreamWriter(http.Response.Body, new System.Text.UTF8Encoding(false));
            await runs.WritePerImageCsvAsync(run, writer, ct);
            return Results.Empty;
        });
    }
}
