using InfoCamWeb.Data;
using InfoCamWeb.Web.Features.Runs;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Extensions;

/// <summary>On start: apply migrations, create the data folders, register the demo model and dataset (and queue the demo run).</summary>
internal sealed class StartupTasks(IDbContextFactory<InfoCamDbContext> dbFactory, InfoCamPaths paths, DemoSetup demo, ILogger<StartupTasks> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var folder in new[] { paths.DataFolder, paths.ModelsFolder, paths.DatasetsFolder, paths.UploadsFolder, paths.CacheFolder })
        {
            Directory.CreateDirectory(folder);
        }
        await Database.MigrateAsync(dbFactory, cancellationToken);
        try
        {
            await demo.EnsureAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogError(ex, "The demo model and dataset could not be registered.");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
