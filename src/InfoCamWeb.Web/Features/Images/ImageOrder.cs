using System.Buffers.Binary;
using System.Security.Cryptography;
using InfoCamWeb.Data;

namespace InfoCamWeb.Web.Features.Images;

/// <summary>
/// The order in which a viewer who may not see a run's class labels (a benchmark phase shown at its close) sees its
/// images: a keyed shuffle instead of the split order, which in CUB-style datasets groups the images by class and would
/// give the labels away (the images of one class side by side, their predicted classes naming the group). Each image
/// is ranked by HMAC-SHA256(this server's key, run, index); the key (32 random bytes, data/keys/image-order.key) is
/// made on first use and never leaves the server's data folder, so the order cannot be recomputed from the dataset's public file
/// names. Such a viewer only learns an image's position ("image N", and the N in its URLs).
/// </summary>
public sealed class ImageOrder(InfoCamPaths paths)
{
    // PublicationOnly: a failure (an unwritable data folder, a damaged key) is not kept; the next request tries again.
    private readonly Lazy<byte[]> _key = new(() => LoadOrCreateKey(Path.Combine(paths.DataFolder, "keys", "image-order.key")), LazyThreadSafetyMode.PublicationOnly);

    /// <summary>The run's image indices in the order such a viewer sees them: position p shows index <c>result[p]</c>.</summary>
    public int[] Shuffle(int runId, IEnumerable<int> indices)
    {
        using var hmac = new HMACSHA256(_key.Value);
        Span<byte> input = stackalloc byte[8];
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var ranked = new List<(ulong Rank, int Index)>();
        foreach (int index in indices)
        {
            BinaryPrimitives.WriteInt32LittleEndian(input, runId);
            BinaryPrimitives.WriteInt32LittleEndian(input[4..], index);
            hmac.TryComputeHash(input, hash, out _);
            ranked.Add((BinaryPrimitives.ReadUInt64LittleEndian(hash), index));
        }
        ranked.Sort();
        return ranked.Select(r => r.Index).ToArray();
    }

    /// <summary>
    /// The key file's 32 bytes; a new random key when there is none, readable by the server's user only and on disk
    /// before it is used (two processes starting at once agree on the first one moved into place).
    /// </summary>
    private static byte[] LoadOrCreateKey(string path)
    {
        if (File.Exists(path)) return ReadKey(path);
        var folder = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var key = RandomNumberGenerator.GetBytes(32);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var file = new FileStream(temp, options))
            {
                file.Write(key);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: false);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            return ReadKey(path);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static byte[] ReadKey(string path)
    {
        var key = File.ReadAllBytes(path);
        return key.Length == 32 ? key : throw new InvalidOperationException($"{path}: {key.Length} bytes; the image order key is 32 random bytes (delete the file to make a new one).");
    }
}
