using InfoCamWeb.Data;
using InfoCamWeb.Web.Features.Api;

namespace InfoCamWeb.Web.Extensions;

/// <summary>
/// Clean answers for HTTP requests that fail on the server: a locked database (after the busy timeout) answers 503 with
/// a retry hint and says nothing was changed; any other failure under /api answers JSON, never an HTML page or a stack.
/// Blazor actions get the same message from the error boundary in the layout.
/// </summary>
public static class ErrorAnswers
{
    public static IApplicationBuilder UseInfoCamErrorAnswers(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested
                                   && (InfoCamDbContext.IsBusy(ex) || context.Request.Path.StartsWithSegments("/api")))
        {
            bool busy = InfoCamDbContext.IsBusy(ex);
            var log = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ErrorAnswers));
            if (busy) log.LogWarning("{Path}: the database stayed locked; answered 503.", context.Request.Path);
            else log.LogError(ex, "{Path} failed.", context.Request.Path);
            var message = busy ? InfoCamDbContext.BusyMessage : "The server failed on this request; nothing was changed.";
            context.Response.Clear();
            context.Response.StatusCode = busy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;
            if (busy) context.Response.Headers.RetryAfter = "5";
            if (context.Request.Path.StartsWithSegments("/api"))
            {
                await context.Response.WriteAsJsonAsync(new ApiError(message));
            }
            else
            {
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync(message);
            }
        }
    });
}
