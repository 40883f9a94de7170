using Hangfire;
using InfoCamWeb.Data;
using InfoCamWeb.Web.Features.Datasets;
using InfoCamWeb.Web.Features.Models;
using InfoCamWeb.Web.Features.Runs;
using InfoCamWeb.Web.Jobs;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using InfoCamWeb.Data.Entities;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Extensions;

/// <summary>One registration extension per area, so Program.cs reads like a table of contents.</summary>
public static class HostingExtensions
{
    public static void AddInfoCamOptions(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<InfoCamOptions>(builder.Configuration.GetSection(InfoCamOptions.Section));
        builder.Services.AddSingleton(sp =>
            sp.GetRequiredService<IOptions<InfoCamOptions>>().Value.PathsUnder(sp.GetRequiredService<IWebHostEnvironment>().ContentRootPath));
    }

    public static void AddInfoCamData(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<InfoCamOptions>>().Value.StoreFor(
            sp.GetRequiredService<InfoCamPaths>(), sp.GetRequiredService<IConfiguration>().GetConnectionString(Store.ConnectionStringName)));
        builder.Services.AddSingleton<IDbContextFactory<InfoCamDbContext>>(sp => new InfoCamDbContextFactory(sp.GetRequiredService<Store>()));
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<InfoCamDbContext>>().CreateDbContext());
        builder.Services.AddHostedService<StartupTasks>();
        builder.Services.AddSingleton<PageWarmup>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PageWarmup>());
    }

    public static void AddInfoCamIdentity(this WebApplicationBuilder builder)
    {
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, RevalidatingAuthState>();
        builder.Services.AddAuthentication(IdentityConstants.ApplicationScheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, Features.Api.ApiTokenAuthentication>(Features.Api.ApiTokenAuthentication.SchemeName, null)
            .AddIdentityCookies();
        builder.Services.AddSingleton<Features.Api.ApiTokenService>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<Features.Api.UploadQuota>();
        builder.Services.AddOpenApi("v1", o =>
        {
            // The public API only: page forms such as /account/logout are not part of it.
            o.ShouldInclude = d => d.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((doc, _, _) =>
            {
                doc.Info = new() { Title = "InfoCamWeb API", Version = "v1", Description = "Scripted submissions: upload a model, list datasets, start a run, poll it, fetch its result, publish it. Authenticate with a personal access token: Authorization: Bearer icw_…" };
                return Task.CompletedTask;
            });
        });
        builder.Services.AddAuthorization();
        builder.Services.AddIdentityCore<AppUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 8;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.SignIn.RequireConfirmedAccount = false;
                o.Lockout.MaxFailedAccessAttempts = 10;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddEntityFrameworkStores<InfoCamDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        builder.Services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
        });
        builder.Services.AddSingleton<ActorProvider>();
        builder.Services.AddSingleton<Features.Teams.TeamService>();
        builder.Services.AddSingleton<Features.Admin.SiteRoleService>();
    }

    /// <summary>API errors as ProblemDetails with a stable code; unreadable requests throw so ErrorAnswers can say why.</summary>
    public static void AddInfoCamProblemDetails(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = Features.Api.ApiProblems.AddDefaultCode);
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
    }

    /// <summary>Framework answers under /api without a body (no such route, wrong method) get a ProblemDetails body too.</summary>
    public static void UseInfoCamApiStatusPages(this WebApplication app) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), api => api.UseStatusCodePages());

    public static void AddInfoCamJobs(this WebApplicationBuilder builder)
    {
        builder.Services.AddHangfire((sp, c) => c.UseInfoCamStorage(sp.GetRequiredService<Store>()));
        builder.Services.AddSingleton<RunQueue>();
        builder.Services.AddSingleton<RunNotifier>();
        builder.Services.AddHostedService<RunMonitor>();
        builder.Services.AddSingleton<WorkerSupervisor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WorkerSupervisor>());
        builder.Services.AddSingleton<ShardDispatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ShardDispatcher>());
        builder.Services.AddSingleton<LostWorkers>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LostWorkers>());
    }

    public static void AddInfoCamFeatures(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ModelInspector>();
        builder.Services.AddSingleton<ModelService>();
        builder.Services.AddSingleton<DatasetAnnotations>();
        builder.Services.AddSingleton<DatasetService>();
        builder.Services.AddSingleton<DatasetGallery>();
        builder.Services.AddSingleton<RunService>();
        builder.Services.AddSingleton<DemoSetup>();
        builder.Services.AddSingleton<Features.Images.ImageRenderer>();
        builder.Services.AddSingleton<Features.Images.ImageBrowserService>();
        builder.Services.AddSingleton<Features.Images.ImageOrder>();
        builder.Services.AddHostedService<Features.Images.PngCachePruner>();
        builder.Services.AddHostedService<Features.Images.FirstPageWarmer>();
        builder.Services.AddSingleton<Features.Leaderboard.LeaderboardService>();
        builder.Services.AddSingleton<Features.Compare.CompareService>();
        builder.Services.AddSingleton<Features.Benchmarks.BenchmarkService>();
        builder.Services.AddSingleton<Features.Sharing.ShareService>();
        builder.Services.AddSingleton<Features.Workers.WorkerService>();
    }

    public static void MapInfoCamEndpoints(this WebApplication app)
    {
        Features.Account.AccountEndpoints.Map(app);
        Features.Sharing.ShareEndpoints.Map(app);
        RunDownloads.Map(app);
        Features.Leaderboard.LeaderboardEndpoints.Map(app);
        Features.Benchmarks.BenchmarkEndpoints.MapExports(app);
        Features.Api.ApiEndpoints.Map(app);
        app.MapOpenApi("/openapi/{documentName}.json");
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", "InfoCamWeb API v1");
            o.RoutePrefix = "api/docs";
            o.DocumentTitle = "InfoCamWeb API";
        });
    }
}
