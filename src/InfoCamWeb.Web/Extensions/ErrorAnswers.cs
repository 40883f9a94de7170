using InfoCamWeb.Data;
using InfoCamWeb.Web.Features.Api;

namespace InfoCamWeb.Web.Extensions;

/// <summary>
/// Clean answers for HTTP requests that fail: a request the framework cannot read (malformed JSON, a bad query value)
/// answers 400 with what is wrong; a locked database (after the busy timeout) answers 503 with a retry hint and says
/// nothing was changed; any other failure under /api answers 500. Under /api every answer is a ProblemDetails body,
/// elsewhere plain text; never an HTML page or a stack. Blazor actions get the same message from the layout's error boundary.
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
                                   && (ex is BadHttpRequestException || InfoCamDbContext.IsBusy(ex) || IsApi(context)))
        {
            var (status, code, message) = Classify(ex);
            var log = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ErrorAnswers));
            if (status == StatusCodes.Status503ServiceUnavailable) log.LogWarning("{Path}: the database stayed locked; answered 503.", context.Request.Path);
            else if (status >= 500) log.LogError(ex, "{Path} failed.", context.Request.Path);
            else log.LogInformation("{Path}: {Message}", context.Request.Path, message);
            context.Response.Clear();
            context.Response.StatusCode = status;
            if (status == StatusCodes.Status503ServiceUnavailable) context.Response.Headers.RetryAfter = "5";
            if (IsApi(context))
            {
                await ApiProblems.WriteAsync(context, status, code, message);
            }
            else
            {
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync(message);
            }
        }
    });

    private static bool IsApi(HttpContext context) => context.Request.Path.StartsWithSegments("/api");

    private static (int Status, string Code, string Message) Classify(Exception ex) => ex switch
    {
        BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? ApiProblems.TooLarge : ApiProblems.BadRequest,
            bad.InnerException is System.Text.Json.JsonException json ? $"{bad.Message} {json.Message}" : bad.Message),
        _ when InfoCamDbContext.IsBusy(ex) => (StatusCodes.Status503ServiceUnavailable, ApiProblems.DatabaseBusy, InfoCamDbContext.BusyMessage),
        _ => (StatusCodes.Status500InternalServerError, ApiProblems.ServerError, "The server failed on this request; nothing was changed."),
    };
}
