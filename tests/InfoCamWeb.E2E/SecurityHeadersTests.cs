using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace InfoCamWeb.E2E;

/// <summary>
/// The real server (Kestrel) sends no Server header, and the app works in Chromium under its Content-Security-Policy:
/// pages connect their circuit, MudBlazor renders, the API reference loads, and the browser reports no violation.
/// </summary>
public class SecurityHeadersTests
{
    [SkippableFact]
    public async Task Pages_work_under_the_content_security_policy_and_sign_out_ends_the_session()
    {
        Skip.IfNot(File.Exists(BrowserFlowTests.Chromium), $"{BrowserFlowTests.Chromium} is not installed (apt-get install chromium); .ci/run installs it.");
        await using var app = await AppProcess.StartAsync();
        using (var http = new HttpClient())
        {
            var response = await http.GetAsync(app.Url + "/models");
            Assert.False(response.Headers.Contains("Server"));
            Assert.StartsWith("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserFlowTests.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) violations.Add($"{page.Url}: {message.Text}");
        };
        page.PageError += (_, error) => violations.Add($"{page.Url}: {error}");

        await BrowserFlowTests.RegisterWithTeamAsync(page, app.Url, "cspcheck");
        foreach (var path in new[] { "/", "/models", "/datasets", "/runs", "/leaderboards", "/account/tokens" })
        {
            await page.GotoAsync(app.Url + path);
            await BrowserFlowTests.LiveAsync(page);
        }
        await page.GotoAsync(app.Url + "/api/docs/index.html");
        await Assertions.Expect(page.Locator(".swagger-ui .info .title")).ToContainTextAsync("InfoCamWeb API");

        await page.GotoAsync(app.Url + "/account");
        await Assertions.Expect(page.Locator("#account-email")).ToHaveTextAsync("cspcheck@example.org");
        await page.GotoAsync(app.Url + "/models");
        await BrowserFlowTests.LiveAsync(page);
        await page.ClickAsync("#nav-logout");
        await page.WaitForURLAsync(new Regex("/$"));
        await Assertions.Expect(page.Locator("#nav-login")).ToBeVisibleAsync();
        await page.GotoAsync(app.Url + "/account");
        await page.WaitForURLAsync(new Regex("/account/login"));

        Assert.Empty(violations);
    }
}
