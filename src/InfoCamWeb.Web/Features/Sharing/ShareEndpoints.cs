using InfoCamWeb.Web.Features.Images;

namespace InfoCamWeb.Web.Features.Sharing;

/// <summary>Shared pages are read-only and never indexed (and send no referrer: WebSecurity); their images resolve through the token.</summary>
public static class ShareEndpoints
{
    public static void UseInfoCamShareHeaders(this WebApplication app) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/s"))
            {
                context.Response.Headers["X-Robots-Tag"] = "noindex, nofollow"; // no-referrer: Extensions/WebSecurity
            }
            await next();
        });

    public static void Map(WebApplication app)
    {
        app.MapGet("/s/{token}/images/{index:int}/{kind}.jpg", async (string token, int index, string kind, ShareService shares, ImageBrowserService images, CancellationToken ct) =>
        {
            var run = await shares.ResolveAsync(token, ct);
            if (run is null) return Results.NotFound();
            var png = await images.RenderSharedAsync(run.Id, index, kind, ct);
            return png is null ? Results.NotFound() : Results.File(png, "image/jpeg");
        });
        app.MapGet("/s/{token}/result.json", async (string token, ShareService shares, CancellationToken ct) =>
        {
            var run = await shares.ResolveAsync(token, ct);
            return run?.ResultJson is null ? Results.NotFound() : Results.File(System.Text.Encoding.UTF8.GetBytes(run.ResultJson), "application/json", Runs.RunDownloads.FileName(run, "json"));
        });
    }
}
