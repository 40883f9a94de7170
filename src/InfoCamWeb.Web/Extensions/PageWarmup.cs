using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace InfoCamWeb.Web.Extensions;

/// <summary>
/// Asks the server, as a signed-out visitor, for the pages people open first (at start: home, leaderboards, runs, the
/// lists; when a run ends: its page and image browser), so the first visitor does not pay for compiling page, component
/// and query code. Failures only mean a slower first visit, so they are logged, never raised.
/// </summary>
public sealed class PageWarmup(IServer server, IHostApplicationLifetime lifetime, ILogger<PageWarmup> log) : IHostedService
{
    /// <summary>The pages, then a script and a style sheet (the static-asset pipeline every first page load goes through).</summary>
    internal static readonly string[] StartPaths =
        ["/", "/leaderboards", "/runs", "/models", "/datasets", "/_framework/blazor.web.js", "/_content/MudBlazor/MudBlazor.min.css"];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => _ = Task.Run(() => RequestAsync(StartPaths, lifetime.ApplicationStopping)));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Requests the pages one after another; does nothing where the server has no address (a test server).</summary>
    public async Task RequestAsync(IEnumerable<string> paths, CancellationToken ct)
    {
        if (LocalAddress(server.Features.Get<IServerAddressesFeature>()?.Addresses) is not Uri root) return;
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { BaseAddress = root, Timeout = TimeSpan.FromSeconds(30) };
        foreach (var path in paths)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                // Behind a TLS-terminating proxy the app expects forwarded HTTPS; a redirect instead still warms most of it.
                request.Headers.Add("X-Forwarded-Proto", "https");
                using var response = await http.SendAsync(request, ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                log.LogInformation("Warming {Path} failed ({Message}); the first visit will be slower.", path, ex.Message);
                return;
            }
        }
    }

    /// <summary>A loopback URL for the first plain-HTTP address the server listens on ("http://+:5000" becomes http://127.0.0.1:5000/).</summary>
    internal static Uri? LocalAddress(ICollection<string>? addresses)
    {
        // Plain HTTP only: a loopback request cannot pass the certificate check of the public HTTPS name.
        var first = addresses?.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase));
        if (first is null) return null;
        var local = first.Replace("://+", "://127.0.0.1").Replace("://*", "://127.0.0.1").Replace("://[::]", "://127.0.0.1").Replace("://0.0.0.0", "://127.0.0.1");
        return Uri.TryCreate(local.TrimEnd('/') + "/", UriKind.Absolute, out var uri) ? uri : null;
    }
}
