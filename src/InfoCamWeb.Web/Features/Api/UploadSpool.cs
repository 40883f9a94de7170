using System.Security.Cryptography;

namespace InfoCamWeb.Web.Features.Api;

/// <summary>What was spooled: the byte count and SHA-256, or why the upload was refused.</summary>
public sealed record SpoolResult(long Size, string Sha256, ServiceError? Error);

/// <summary>
/// Copies an upload (a Blazor <c>IBrowserFile</c> stream or an HTTP form file) to a temporary file, counting bytes
/// while copying, whatever the client declared: larger than the cap, empty, or stalled (no data for the stall limit)
/// is refused. The caller owns the temporary file and deletes it on every path.
/// </summary>
public static class UploadSpool
{
    /// <param name="refuseHead">
    /// Looks at the first bytes (up to <paramref name="headBytes"/>) as soon as they arrive; a message stops the upload
    /// there, before the rest is sent (a PyTorch checkpoint uploaded as a model).
    /// </param>
    public static async Task<SpoolResult> CopyAsync(Stream content, string tempPath, long maxBytes, string tooLargeMessage,
        TimeSpan stallLimit, IProgress<long>? progress, CancellationToken ct, Func<byte[], string?>? refuseHead = null, int headBytes = 512)
    {
        var head = new List<byte>(headBytes);
        bool headChecked = refuseHead is null;
        await using var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long size = 0;
        while (true)
        {
            int read;
            using (var stall = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                stall.CancelAfter(stallLimit);
                try
                {
                    // WaitAsync too: a stream that ignores its token must not hold the upload open past the stall limit.
                    read = await content.ReadAsync(buffer, stall.Token).AsTask().WaitAsync(stall.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    return new SpoolResult(size, "", $"The upload stalled: no data arrived for {stallLimit.TotalSeconds:0} s after {Models.ModelService.FormatBytes(size)}.");
                }
            }
            if (read == 0) break;
            size += read;
            if (size > maxBytes)
            {
                return new SpoolResult(size, "", ServiceError.TooLarge(tooLargeMessage));
            }
            if (!headChecked)
            {
                head.AddRange(buffer.AsSpan(0, Math.Min(read, headBytes - head.Count)).ToArray());
                if (head.Count >= headBytes || size >= maxBytes)
                {
                    headChecked = true;
                    if (refuseHead!(head.ToArray()) is { } refusal) return new SpoolResult(size, "", refusal);
                }
            }
            hash.AppendData(buffer, 0, read);
            await file.WriteAsync(buffer.AsMemory(0, read), ct);
            progress?.Report(size);
        }
        if (!headChecked && head.Count > 0 && refuseHead!(head.ToArray()) is { } shortRefusal) return new SpoolResult(size, "", shortRefusal);
        return new SpoolResult(size, Convert.ToHexStringLower(hash.GetHashAndReset()), null);
    }
}
