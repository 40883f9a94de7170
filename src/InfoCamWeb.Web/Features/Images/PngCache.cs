namespace InfoCamWeb.Web.Features.Images;

/// <summary>Rendered PNGs kept on disk under the cache folder; written to a temporary name and moved into place.</summary>
public static class PngCache
{
    public static async Task<byte[]?> GetOrRenderAsync(string path, Func<Task<byte[]?>> render, CancellationToken ct)
    {
        if (File.Exists(path))
        {
            return await File.ReadAllBytesAsync(path, ct);
        }
        var png = await render();
        if (png is null)
        {
            return null;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllBytesAsync(tmp, png, ct);
        File.Move(tmp, path, overwrite: true);
        return png;
    }
}
