using Hangfire;
using InfoCamWeb.Data;
using InfoCamWeb.Web.Features.Datasets;
using InfoCamWeb.Web.Features.Models;
using InfoCamWeb.Web.Features.Runs;
using InfoCamWeb.Web.Jobs;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Extensions;

/// <summary>One registration extension per area, so Program.cs reads like a table of contents.</summary>
public static class HostingExtensions
{
    public static void AddInfoCamOptions(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<InfoCamOptions>(builder.Configuration.GetSection(InfoCamOptions.Section));
        builder.Services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<InfoCamOptions>>().Value;
            var root = sp.GetRequiredService<IWebHostEnvironment>().ContentRootPath;
            string Full(string p) => Path.GetFullPath(Path.IsPathRooted(p) ? p : Path.Combine(root, p));
            return new InfoCamPaths(Full(o.DataFolder), Full(o.Database), Full(o.JobsDatabase));
        });
    }

    public static void AddInfoCamData(this WebApplicationBuilder builder)
    {
        builder.Services.AddDbContextFactory<InfoCamDbContext>((sp, o) =>
            InfoCamDbContext.Configure(o, sp.GetRequiredService<InfoCamPaths>().Database));
        builder.Services.AddHostedService<StartupTasks>();
    }

    public static void AddInfoCamJobs(this WebApplicationBuilder builder)
    {
        builder.Services.AddHangfire((sp, c) => c.UseInfoCamStorage(sp.GetRequiredService<InfoCamPaths>()));
        builder.Services.AddSingleton<RunQueue>();
        builder.Services.AddSingleton<RunNotifier>();
        builder.Services.AddHostedService<RunMonitor>();
        builder.Services.AddSingleton<WorkerSupervisor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WorkerSupervisor>());
    }

    public static void AddInfoCamFeatures(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ModelInspector>();
        builder.Services.AddSingleton<ModelService>();
        builder.Services.AddSingleton<DatasetService>();
        builder.Services.AddSingleton<DatasetGallery>();
        builder.Services.AddSingleton<RunService>();
        builder.Services.AddSingleton<DemoSetup>();
        builder.Services.AddSingleton<Features.Images.ImageBrowserService>();
    }

    public static void MapInfoCamEndpoints(this WebApplication app)
    {
        RunDownloads.Map(app);
    }
}
