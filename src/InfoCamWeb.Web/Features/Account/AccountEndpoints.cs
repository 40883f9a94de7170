using InfoCamWeb.Data.Entities;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;

namespace InfoCamWeb.Web.Features.Account;

/// <summary>
/// Sign-out and "sign out everywhere" are POSTs that carry the antiforgery token (checked here: a form on another site
/// cannot sign people out). Both rotate the user's security stamp, so every copy of the session cookie stops working
/// at its next request; "everywhere" keeps the session that asked.
/// </summary>
public static class AccountEndpoints
{
    public const string ExpiredForm = "The form has expired or came from another site; nothing was changed. Reload the page and try again.";

    public static void Map(WebApplication app)
    {
        app.MapPost("/account/logout", async (HttpContext http, IAntiforgery antiforgery, SignInManager<AppUser> signIn, ILogger<AppUser> log) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http)) return Results.Text(ExpiredForm, statusCode: StatusCodes.Status400BadRequest);
            if (await signIn.UserManager.GetUserAsync(http.User) is { } user)
            {
                await signIn.UserManager.UpdateSecurityStampAsync(user);
                log.LogInformation("User {UserId} signed out; every session of theirs ended.", user.Id);
            }
            await signIn.SignOutAsync();
            return Results.LocalRedirect("/");
        }).DisableAntiforgery(); // validated above, for this endpoint that binds no form

        app.MapPost("/account/signout-everywhere", async (HttpContext http, IAntiforgery antiforgery, SignInManager<AppUser> signIn, ILogger<AppUser> log) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http)) return Results.Text(ExpiredForm, statusCode: StatusCodes.Status400BadRequest);
            if (await signIn.UserManager.GetUserAsync(http.User) is not { } user) return Results.LocalRedirect("/account/login");
            await signIn.UserManager.UpdateSecurityStampAsync(user);
            await signIn.RefreshSignInAsync(user);
            log.LogInformation("User {UserId} signed out everywhere else.", user.Id);
            return Results.LocalRedirect("/account?signedOutElsewhere=true");
        }).DisableAntiforgery();
    }
}
