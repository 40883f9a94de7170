using InfoCamWeb.Web.Components;
using InfoCamWeb.Web.Extensions;
using InfoCamWeb.Web.Features.Sharing;
using MudBlazor.Services;

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseStaticWebAssets(); // MudBlazor's and the framework's assets when run from the build output (dotnet run)

builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddMudServices(c => c.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight); // messages never cover the top bar
builder.AddInfoCamOptions();   // InfoCam section of appsettings.json, paths resolved against the content root
builder.AddInfoCamData();      // SQLite via AddDbContextFactory, migrated on start
builder.AddInfoCamIdentity();  // accounts (ASP.NET Core Identity, same database), teams, the acting user
builder.AddInfoCamJobs();      // Hangfire client, worker supervision, run progress notifier
builder.AddInfoCamFeatures();  // models, datasets, runs
builder.AddInfoCamWebSecurity();   // headers, sign-in rate limit, session checks, HTTPS behind a proxy
builder.AddInfoCamProblemDetails(); // API errors as ProblemDetails with a stable code

var app = builder.Build();
if (await app.RunHostCommandAsync(args)) return; // grant-role / revoke-role: on the app's database, instead of the server

app.UseInfoCamWebSecurity();   // forwarded headers, HSTS, security headers, sign-in attempts per address
app.UseRouting();              // after the headers: static assets answer here (short-circuited), before sessions are checked
if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
}
app.UseInfoCamErrorAnswers();  // unreadable request: 400; locked database: 503 "nothing was changed"; API failures as ProblemDetails
app.UseInfoCamApiStatusPages(); // empty API answers (no such route) as ProblemDetails
app.UseInfoCamShareHeaders(); // noindex on shared pages
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.MapStaticAssets().ShortCircuit(); // no session check, antiforgery or page middleware for framework and app files
app.MapInfoCamEndpoints();     // downloads: result JSON, per-image CSV
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();

public partial class Program;
