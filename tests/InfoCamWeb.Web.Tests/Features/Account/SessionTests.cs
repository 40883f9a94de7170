using System.Net;
using InfoCamWeb.Web.Features.Account;

namespace InfoCamWeb.Web.Tests.Features.Account;

/// <summary>Sessions end when they should: sign-out (with its antiforgery token), sign-out everywhere, a new password.</summary>
[Collection(WebAppCollection.Name)]
public class SessionTests(WebAppFixture app)
{
    private async Task<(CookieSession Session, string Email)> SignedInAsync()
    {
        var actor = await app.NewTeamMemberAsync();
        var email = await app.EmailOfAsync(actor);
        var session = CookieSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await session.SignInAsync(email, WebAppFixture.Password)).StatusCode);
        Assert.True(await session.IsSignedInAsync());
        return (session, email);
    }

    [Fact]
    public async Task A_sign_out_posted_without_the_antiforgery_token_is_refused_and_changes_nothing()
    {
        var (session, _) = await SignedInAsync();
        var forged = await session.PostFormAsync("/account/logout", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(AccountEndpoints.ExpiredForm, await forged.Content.ReadAsStringAsync());
        Assert.True(await session.IsSignedInAsync());
    }

    [Fact]
    public async Task Signing_out_ends_every_copy_of_the_session_cookie()
    {
        var (session, _) = await SignedInAsync();
        var stolen = session.Copy(app);
        Assert.True(await stolen.IsSignedInAsync());

        var signOut = await session.SubmitAsync("/account", "/account/logout", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.False(await session.IsSignedInAsync());
        Assert.False(await stolen.IsSignedInAsync());
        Assert.Contains("id=\"nav-login\"", await (await stolen.GetAsync("/teams")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_the_other_sessions_and_keeps_this_one()
    {
        var (session, email) = await SignedInAsync();
        var other = CookieSession.For(app);
        await other.SignInAsync(email, WebAppFixture.Password);
        Assert.True(await other.IsSignedInAsync());

        var answer = await session.SubmitAsync("/account", "/account/signout-everywhere", new Dictionary<string, string>());
        Assert.Equal("/account?signedOutElsewhere=true", answer.Headers.Location?.OriginalString);
        Assert.True(await session.IsSignedInAsync());
        Assert.False(await other.IsSignedInAsync());
        Assert.Contains("Every other session was signed out", await (await session.GetAsync("/account?signedOutElsewhere=true")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_password_change_ends_the_other_sessions_and_the_new_password_signs_in()
    {
        var (session, email) = await SignedInAsync();
        var other = CookieSession.For(app);
        await other.SignInAsync(email, WebAppFixture.Password);

        var wrong = await session.SubmitAsync("/account", "/account", Fields("not the password", "a new long password"));
        Assert.Contains("Incorrect password", await wrong.Content.ReadAsStringAsync());
        Assert.True(await other.IsSignedInAsync());

        var changed = await session.SubmitAsync("/account", "/account", Fields(WebAppFixture.Password, "a new long password"));
        Assert.Contains("Password changed", await changed.Content.ReadAsStringAsync());
        Assert.True(await session.IsSignedInAsync());
        Assert.False(await other.IsSignedInAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await CookieSession.For(app).SignInAsync(email, "a new long password")).StatusCode);

        static Dictionary<string, string> Fields(string current, string next) => new()
        {
            ["_handler"] = "change-password",
            ["Input.Current"] = current,
            ["Input.New"] = next,
        };
    }

    [Fact]
    public async Task Unknown_emails_wrong_passwords_and_locked_accounts_get_the_same_answer()
    {
        var actor = await app.NewTeamMemberAsync();
        var email = await app.EmailOfAsync(actor);
        var session = CookieSession.For(app);
        var unknown = await AnswerAsync(session, "nobody-" + Guid.NewGuid().ToString("N")[..8] + "@example.org", "whatever1");
        var wrong = await AnswerAsync(session, email, "wrong password");
        Assert.Equal(unknown, wrong);
        for (int i = 0; i < 10; i++) await session.SignInAsync(email, "wrong password");
        // Locked now: even the right password gets the same answer as an email without an account.
        Assert.Equal(unknown, await AnswerAsync(session, email, WebAppFixture.Password));
        Assert.Equal(LoginPage.Failed, unknown);
    }

    private static async Task<string> AnswerAsync(CookieSession session, string email, string password)
    {
        var response = await session.SignInAsync(email, password);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        var alert = System.Text.RegularExpressions.Regex.Match(html, "id=\"login-error\".*?mud-alert-message[^>]*>(.*?)</div>", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.True(alert.Success, "The sign-in page shows no error.");
        return System.Text.RegularExpressions.Regex.Replace(alert.Groups[1].Value, "<[^>]+>", "").Trim();
    }
}
