using InfoCamWeb.Data.Entities;
using Microsoft.AspNetCore.Identity;

namespace InfoCamWeb.Web.Features.Account;

/// <summary>Sign-out is a POST (with antiforgery) so a link elsewhere cannot sign people out.</summary>
public static class AccountEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/account/logout", async (SignInManager<AppUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return Results.LocalRedirect("/");
        });
    }
}
