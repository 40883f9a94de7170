using System.Threading.Channels;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Jobs;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Features.Images;

/// <summary>
/// Renders the first page of a run's image browser (the default view: worst first by the first method) as soon as the
/// run succeeds, so the first visit reads cached images instead of waiting for them, and requests the run's pages once.
/// </summary>
public sealed class FirstPageWarmer(RunNotifier notifier, IDbContextFactory<InfoCamDbContext> dbFactory, ImageBrowserService images,
    ImageRenderer renderer, Extensions.PageWarmup pages, ILogger<FirstPageWarmer> log) : BackgroundService
{
    private readonly Channel<int> _changed = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<int> _warmed = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        notifier.RunChanged += OnRunChanged;
        try
        {
            await foreach (int runId in _changed.Reader.ReadAllAsync(stoppingToken))
            {
                await WarmIfSucceededAsync(runId, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
        finally
        {
            notifier.RunChanged -= OnRunChanged;
        }
    }

    private void OnRunChanged(int runId) => _changed.Writer.TryWrite(runId);

    private async Task WarmIfSucceededAsync(int runId, CancellationToken ct)
    {
        if (_warmed.Contains(runId)) return;
        try
        {
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                if (!await db.Runs.AnyAsync(r => r.Id == runId && r.Status == RunStatus.Succeeded, ct)) return;
            }
            _warmed.Add(runId);
            var page = await images.QuerySharedAsync(runId, new ImageQuery(), ct);
            if (page is not null) await renderer.WarmAsync(runId, page.Rows.Select(r => r.Index), ct);
            await pages.RequestAsync([$"/runs/{runId}", $"/runs/{runId}/images"], ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A cold first visit is slower, not wrong: the page renders what is missing.
            log.LogWarning(ex, "Rendering the first images of run {RunId} ahead of time failed.", runId);
        }
    }
}
