using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Extensions;

/// <summary>
/// The web security basics, in one place: response headers (nosniff, referrer policy, a Content-Security-Policy that
/// Blazor Server and MudBlazor work under, no Server header), sign-in attempts limited per client address, sessions
/// checked against the user's security stamp, and — when the site is served over HTTPS behind a reverse proxy —
/// forwarded headers, HTTPS redirection, HSTS and Secure cookies.
/// </summary>
public static class WebSecurity
{
    /// <summary>
    /// Scripts only from this origin (blazor.web.js, MudBlazor.min.js, Swagger UI); MudBlazor sets inline styles, so
    /// style attributes are allowed; the circuit's WebSocket is same-origin ('self' covers ws/wss in CSP level 3).
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public const string SignInLimiterPartition = "sign-in";

    /// <summary>
    /// Every option is read from <see cref="InfoCamOptions.Security"/> when the service is first resolved (never from the
    /// builder's configuration, which does not yet hold what a host or test adds).
    /// </summary>
    public static void AddInfoCamWebSecurity(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        var services = builder.Services;
        services.AddOptions<SecurityStampValidatorOptions>().Configure<IOptions<InfoCamOptions>>((o, ic) =>
            o.ValidationInterval = TimeSpan.FromSeconds(Math.Max(0, ic.Value.Security.SessionCheckSeconds)));
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<InfoCamOptions>>((o, ic) =>
        {
            var security = ic.Value.Security;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => SignInPartition(http, security));
            o.OnRejected = OnSignInRejectedAsync;
        });
        services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
        services.AddOptions<HttpsRedirectionOptions>().Configure<IOptions<InfoCamOptions>>((o, ic) => o.HttpsPort = ic.Value.Security.HttpsPort);
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme).Configure<IOptions<InfoCamOptions>>((o, ic) =>
            o.Cookie.SecurePolicy = ic.Value.Security.Https ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest);
        services.AddOptions<AntiforgeryOptions>().Configure<IOptions<InfoCamOptions>>((o, ic) =>
            o.Cookie.SecurePolicy = ic.Value.Security.Https ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest);
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<InfoCamOptions>>((o, ic) =>
        {
            var security = ic.Value.Security;
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in security.KnownProxies.DefaultIfEmpty("127.0.0.1").Distinct())
            {
                // An address (127.0.0.1) or a network (10.0.0.0/8, a container network).
                if (proxy.Contains('/')) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
                else o.KnownProxies.Add(IPAddress.Parse(proxy));
            }
            if (security.AllowedHosts.Count > 0) o.AllowedHosts = security.AllowedHosts;
        });
    }

    /// <summary>The middleware, in order: proxy headers first (they set the scheme and client address the rest reads).</summary>
    public static void UseInfoCamWebSecurity(this WebApplication app)
    {
        var security = app.Services.GetRequiredService<IOptions<InfoCamOptions>>().Value.Security;
        if (security.BehindProxy) app.UseForwardedHeaders();
        if (security.Https)
        {
            app.UseHsts();
            app.UseHttpsRedirection();
        }
        app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                SetHeaders(context);
                return Task.CompletedTask;
            });
            await next();
        });
        app.UseRateLimiter();
    }

    /// <summary>Every response: nosniff, the referrer policy (none at all from share pages), CSP and no framing.</summary>
    internal static void SetHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = context.Request.Path.StartsWithSegments("/s") ? "no-referrer" : "same-origin";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.Remove("Server");
    }

    /// <summary>Forms that check a password: sign-in, registration and the password change on the account page.</summary>
    private static readonly HashSet<string> PasswordForms = new(StringComparer.OrdinalIgnoreCase) { "/account/login", "/account/register", "/account" };

    /// <summary>Password-form posts share one fixed window per client address; everything else is unlimited.</summary>
    private static RateLimitPartition<string> SignInPartition(HttpContext http, SecurityOptions security)
    {
        var path = (http.Request.Path.Value ?? "").TrimEnd('/');
        bool signIn = HttpMethods.IsPost(http.Request.Method) && PasswordForms.Contains(path);
        if (!signIn) return RateLimitPartition.GetNoLimiter("");
        var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return RateLimitPartition.GetFixedWindowLimiter(SignInLimiterPartition + ":" + address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, security.SignInAttemptsPerAddress),
            Window = TimeSpan.FromSeconds(Math.Max(1, security.SignInWindowSeconds)),
            QueueLimit = 0,
        });
    }

    private static async ValueTask OnSignInRejectedAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        int seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? (int)Math.Ceiling(retry.TotalSeconds) : 60;
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebSecurity))
            .LogWarning("Sign-in attempts from {Address} over the limit; refused for {Seconds} s.", http.Connection.RemoteIpAddress, seconds);
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync($"Too many sign-in attempts from your address; try again in {seconds} s.", ct);
    }
}

/// <summary>InfoCam:Security in appsettings.json.</summary>
public sealed class SecurityOptions
{

    /// <summary>Sign-in, registration and password-change posts per client address and window (ASP.NET Core's rate limiter).</summary>
    public int SignInAttemptsPerAddress { get; set; } = 20;
    public int SignInWindowSeconds { get; set; } = 300;

    /// <summary>How often a signed-in cookie is checked against the user's security stamp (0: on every request).</summary>
    public int SessionCheckSeconds { get; set; }

    /// <summary>The site is served over HTTPS (usually by a reverse proxy): HTTPS redirection, HSTS, Secure cookies.</summary>
    public bool Https { get; set; }

    /// <summary>The public HTTPS port that plain-HTTP requests are redirected to.</summary>
    public int HttpsPort { get; set; } = 443;

    /// <summary>A reverse proxy forwards the requests: X-Forwarded-For/-Proto/-Host are read from <see cref="KnownProxies"/>.</summary>
    public bool BehindProxy { get; set; }
    public List<string> KnownProxies { get; set; } = new();

    /// <summary>Host names the proxy may forward (empty: any).</summary>
    public List<string> AllowedHosts { get; set; } = new();
}
