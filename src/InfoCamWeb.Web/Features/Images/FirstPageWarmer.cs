using System.Threading.Channels;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Jobs;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Features.Images;

/// <summary>
/// Renders the first page of a run's image browser (the default view: worst first by the first method) as soon as the
/// run succeeds, so the first visit reads cached images instead of waiting for them, and requests the run's pages and
/// one of its images once. At start it does the same for the latest succeeded run, so that after a restart the first
/// visit to a result does not pay for compiling the result, image-browser and image code either.
/// </summary>
public sealed class FirstPageWarmer(RunNotifier notifier, IDbContextFactory<InfoCamDbContext> dbFactory, ImageBrowserService images,
    ImageRenderer renderer, Extensions.PageWarmup pages, IHostApplicationLifetime lifetime, ILogger<FirstPageWarmer> log) : BackgroundService
{
    private readonly Channel<int> _changed = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<int> _warmed = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        notifier.RunChanged += OnRunChanged;
        try
        {
            await StartedAsync(stoppingToken);
            await WarmLatestAsync(stoppingToken);
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

    /// <summary>Completes once the server listens (page requests before that have no address to go to).</summary>
    private Task StartedAsync(CancellationToken ct)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        ct.Register(() => started.TrySetCanceled(ct));
        return started.Task;
    }

    private async Task WarmLatestAsync(CancellationToken ct)
    {
        int? latest = null;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            latest = await db.Runs.Where(r => r.Status == RunStatus.Succeeded)
                .OrderByDescending(r => r.Id).Select(r => (int?)r.Id).FirstOrDefaultAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogWarning(ex, "Finding the latest run to warm failed; its first visit will be slower.");
        }
        if (latest is int runId) await WarmIfSucceededAsync(runId, ct);
    }

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
            // A page shown without labels lists positions of a shuffled order, not stored indices: rendered on demand.
            if (page is null || !page.Shown.Labels) return;
            await renderer.WarmAsync(runId, page.Rows.Select(r => r.Index), ct);
            var first = page.Rows.Select(r => $"/runs/{runId}/images/{r.Index}/photo-small.jpg").Take(1);
            await pages.RequestAsync([$"/runs/{runId}", $"/runs/{runId}/images", .. first], ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A cold first visit is slower, not wrong: the page renders what is missing.
            log.LogWarning(ex, "Rendering the first images of run {RunId} ahead of time failed.", runId);
        }
    }
}
