using System.Net;

namespace InfoCamWeb.E2E;

/// <summary>The real app configured as it runs behind a TLS-terminating reverse proxy on loopback, with a low sign-in limit.</summary>
public sealed class ProxiedApp : IAsyncLifetime
{
    public const int SignInLimit = 3;

    public AppProcess App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await AppProcess.StartAsync(new Dictionary<string, string>
    {
        ["InfoCam__Worker__Enabled"] = "false",
        ["InfoCam__Security__SignInAttemptsPerAddress"] = SignInLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["InfoCam__Security__Https"] = "true",
        ["InfoCam__Security__BehindProxy"] = "true",
    });

    public async Task DisposeAsync() => await App.DisposeAsync();
}

public class WebSecurityTests(ProxiedApp proxied) : IClassFixture<ProxiedApp>
{
    private static readonly HttpClient Http = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });

    /// <summary>A request as the proxy forwards it: from a client address, over HTTPS, for the public host name.</summary>
    private HttpRequestMessage Forwarded(HttpMethod method, string path, string client, bool https = true)
    {
        var request = new HttpRequestMessage(method, proxied.App.Url + path);
        request.Headers.Add("X-Forwarded-For", client);
        request.Headers.Add("X-Forwarded-Host", "infocam.example.org");
        if (https) request.Headers.Add("X-Forwarded-Proto", "https");
        return request;
    }

    private Task<HttpResponseMessage> SignInAttemptAsync(string client) =>
        Http.SendAsync(Forwarded(HttpMethod.Post, "/account/login", client));

    [Fact]
    public async Task Sign_in_attempts_are_limited_per_client_address()
    {
        for (int i = 0; i < ProxiedApp.SignInLimit; i++)
        {
            // Counted even though refused for its missing antiforgery token (the limiter comes first).
            Assert.Equal(HttpStatusCode.BadRequest, (await SignInAttemptAsync("203.0.113.10")).StatusCode);
        }
        var refused = await SignInAttemptAsync("203.0.113.10");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(int.Parse(refused.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.StartsWith("Too many sign-in attempts from your address", await refused.Content.ReadAsStringAsync());

        // Another address is not held back, and the limited one can still read pages.
        Assert.Equal(HttpStatusCode.BadRequest, (await SignInAttemptAsync("203.0.113.11")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Forwarded(HttpMethod.Get, "/models", "203.0.113.10"))).StatusCode);
    }

    [Fact]
    public async Task Plain_http_is_redirected_and_https_answers_carry_hsts_and_secure_cookies()
    {
        var redirect = await Http.SendAsync(Forwarded(HttpMethod.Get, "/models", "203.0.113.20", https: false));
        Assert.Equal(HttpStatusCode.TemporaryRedirect, redirect.StatusCode);
        Assert.Equal("https://infocam.example.org/models", redirect.Headers.Location?.ToString());

        var secure = await Http.SendAsync(Forwarded(HttpMethod.Get, "/account/login", "203.0.113.20"));
        Assert.Equal(HttpStatusCode.OK, secure.StatusCode);
        Assert.StartsWith("max-age=31536000", secure.Headers.GetValues("Strict-Transport-Security").Single());
        var cookies = secure.Headers.GetValues("Set-Cookie").ToList();
        Assert.NotEmpty(cookies);
        Assert.All(cookies, c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("/", "same-origin")]
    [InlineData("/models", "same-origin")]
    [InlineData("/account/login", "same-origin")]
    [InlineData("/api/docs/index.html", "same-origin")]
    [InlineData("/api/runs/1", "same-origin")]
    [InlineData("/runs/987654/result.json", "same-origin")]
    [InlineData("/s/not-a-token", "no-referrer")]
    public async Task Every_answer_carries_the_security_headers(string path, string referrerPolicy)
    {
        var response = await Http.SendAsync(Forwarded(HttpMethod.Get, path, "203.0.113.30"));
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(referrerPolicy, response.Headers.GetValues("Referrer-Policy").Single());
        Assert.StartsWith("default-src 'self'; script-src 'self';", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.False(response.Headers.Contains("Server"));
    }
}
