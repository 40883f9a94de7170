using InfoCamWeb.Data;
using InfoCamWeb.Web.Extensions;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Features.Images;

/// <summary>Rendered PNGs kept on disk under the cache folder; written to a temporary name and moved into place.</summary>
public static class PngCache
{
    public static async Task<byte[]?> GetOrRenderAsync(string path, Func<Task<byte[]?>> render, CancellationToken ct)
    {
        if (await TryReadAsync(path, ct) is byte[] cached)
        {
            return cached;
        }
        var png = await render();
        if (png is not null)
        {
            await WriteAsync(path, png, ct);
        }
        return png;
    }

    /// <summary>The cached file, or null when it is not (or no longer) there.</summary>
    public static async Task<byte[]?> TryReadAsync(string path, CancellationToken ct)
    {
        try
        {
            return File.Exists(path) ? await File.ReadAllBytesAsync(path, ct) : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null; // Pruned between the check and the read.
        }
    }

    public static async Task WriteAsync(string path, byte[] png, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllBytesAsync(tmp, png, ct);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// Keeps the cache under <paramref name="maxBytes"/>: when it is larger, the files written longest ago are deleted
    /// until it holds at most 80 % of the cap (every file can be rendered again). Left-over temporary files older than
    /// an hour go too. Returns the number of files deleted.
    /// </summary>
    public static int Prune(string folder, long maxBytes, DateTime utcNow)
    {
        if (!Directory.Exists(folder)) return 0;
        var files = new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).ToList();
        int deleted = 0;
        foreach (var stale in files.Where(f => f.Name.EndsWith(".tmp", StringComparison.Ordinal) && f.LastWriteTimeUtc < utcNow.AddHours(-1)).ToList())
        {
            if (TryDelete(stale)) deleted++;
            files.Remove(stale);
        }
        long total = files.Sum(f => f.Length);
        if (total <= maxBytes) return deleted;
        long target = maxBytes / 5 * 4;
        foreach (var f in files.Where(f => !f.Name.EndsWith(".tmp", StringComparison.Ordinal)).OrderBy(f => f.LastWriteTimeUtc))
        {
            if (total <= target) break;
            long length = f.Length;
            if (TryDelete(f))
            {
                total -= length;
                deleted++;
            }
        }
        return deleted;
    }

    private static bool TryDelete(FileInfo f)
    {
        try
        {
            f.Delete();
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

/// <summary>Prunes the PNG cache every few minutes so a server that runs for weeks does not fill its disk with heatmaps.</summary>
public sealed class PngCachePruner(InfoCamPaths paths, IOptions<InfoCamOptions> options, ILogger<PngCachePruner> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                int deleted = PngCache.Prune(paths.CacheFolder, options.Value.CacheMaxMegabytes << 20, DateTime.UtcNow);
                if (deleted > 0) log.LogInformation("Pruned {Count} cached images.", deleted);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                log.LogWarning(ex, "Pruning the image cache failed; retrying later.");
            }
            try
            {
                await Task.Delay(TimeSpan.FromMinutes(5), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
