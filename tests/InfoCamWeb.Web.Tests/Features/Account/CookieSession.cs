using System.Net;
using System.Text.RegularExpressions;

namespace InfoCamWeb.Web.Tests.Features.Account;

/// <summary>
/// A browser session whose cookies the test can see and copy: requests go through a client that does not handle
/// cookies itself, so a "stolen" copy of the session is just another <see cref="CookieSession"/> with the same jar.
/// </summary>
public sealed partial class CookieSession(HttpClient client, IDictionary<string, string>? cookies = null)
{
    public const string IdentityCookie = ".AspNetCore.Identity.Application";

    public Dictionary<string, string> Cookies { get; } = new(cookies ?? new Dictionary<string, string>());

    public Dictionary<string, string> Headers { get; } = new();

    public static CookieSession For(WebAppFixture app) =>
        new(app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false }));

    /// <summary>Another session that carries a copy of this one's cookies (what a cookie thief would hold).</summary>
    public CookieSession Copy(WebAppFixture app) => new(For(app).Client, Cookies);

    public HttpClient Client => client;

    public Task<HttpResponseMessage> GetAsync(string url) => SendAsync(new HttpRequestMessage(HttpMethod.Get, url));

    public Task<HttpResponseMessage> PostFormAsync(string url, IDictionary<string, string> form) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) });

    /// <summary>Fetches a page and posts its form with the antiforgery token it carries (as a browser would).</summary>
    public async Task<HttpResponseMessage> SubmitAsync(string page, string action, IDictionary<string, string> fields)
    {
        var html = await (await GetAsync(page)).Content.ReadAsStringAsync();
        var token = TokenPattern().Match(html);
        Assert.True(token.Success, $"{page} has no antiforgery token.");
        var form = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value) };
        return await PostFormAsync(action, form);
    }

    /// <summary>Signs in through the real form; returns the answer to the post.</summary>
    public Task<HttpResponseMessage> SignInAsync(string email, string password) =>
        SubmitAsync("/account/login", "/account/login", new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });

    /// <summary>True when the account page opens (it redirects signed-out visitors to the sign-in form).</summary>
    public async Task<bool> IsSignedInAsync() => (await GetAsync("/account")).StatusCode == HttpStatusCode.OK;

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        if (Cookies.Count > 0) request.Headers.Add("Cookie", string.Join("; ", Cookies.Select(c => $"{c.Key}={c.Value}")));
        foreach (var (name, value) in Headers) request.Headers.TryAddWithoutValidation(name, value);
        var response = await client.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var line in setCookies)
            {
                var pair = line.Split(';')[0];
                var eq = pair.IndexOf('=');
                var (name, value) = (pair[..eq], pair[(eq + 1)..]);
                if (value.Length == 0 || line.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase)) Cookies.Remove(name);
                else Cookies[name] = value;
            }
        }
        return response;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
