using Microsoft.AspNetCore.Mvc;

namespace InfoCamWeb.Web.Features.Api;

/// <summary>
/// Every API error is a ProblemDetails body (RFC 9457, application/problem+json) with a stable <c>code</c> that
/// clients match on instead of the message text; <c>detail</c> says what is wrong and where.
/// </summary>
public static class ApiProblems
{
    public const string NotFound = "not_found";
    public const string NoResultYet = "no_result_yet";
    public const string QuotaExceeded = "quota_exceeded";
    public const string TooLarge = "too_large";
    public const string NoTeam = "no_team";
    public const string Forbidden = "forbidden";
    public const string InvalidInput = "invalid_input";
    public const string DatasetInvalid = "dataset_invalid";
    public const string BadRequest = "bad_request";
    public const string Unauthorized = "unauthorized";
    public const string DatabaseBusy = "database_busy";
    public const string ServerError = "server_error";

    public static IResult Result(int status, string code, string detail, IDictionary<string, object?>? more = null)
    {
        var extensions = new Dictionary<string, object?>(more ?? new Dictionary<string, object?>()) { ["code"] = code };
        return Results.Problem(detail: detail, statusCode: status, extensions: extensions);
    }

    public static ProblemDetails Create(int status, string code, string detail) => new()
    {
        Status = status,
        Title = ReasonPhrase(status),
        Detail = detail,
        Extensions = { ["code"] = code },
    };

    /// <summary>
    /// Writes a problem from middleware or an authentication handler through the app's <see cref="IProblemDetailsService"/>,
    /// so it has the same <c>type</c>, <c>traceId</c> and defaults as an endpoint's problem.
    /// </summary>
    public static async Task WriteAsync(HttpContext http, int status, string code, string detail)
    {
        http.Response.StatusCode = status;
        var written = await http.RequestServices.GetRequiredService<IProblemDetailsService>()
            .TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = Create(status, code, detail) });
        if (!written)
        {
            // A client that accepts no JSON at all: the problem still goes out, as application/problem+json.
            await http.Response.WriteAsJsonAsync(Create(status, code, detail), (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
        }
    }

    /// <summary>A code for problems the framework writes itself (route not found, unreadable body, wrong method).</summary>
    public static void AddDefaultCode(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Extensions.ContainsKey("code")) return;
        problem.Extensions["code"] = problem.Status switch
        {
            StatusCodes.Status404NotFound => NotFound,
            StatusCodes.Status403Forbidden => "forbidden",
            StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
            StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
            StatusCodes.Status401Unauthorized => Unauthorized,
            StatusCodes.Status413PayloadTooLarge => TooLarge,
            StatusCodes.Status429TooManyRequests => QuotaExceeded,
            >= 500 => ServerError,
            _ => BadRequest,
        };
    }

    public static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
}
