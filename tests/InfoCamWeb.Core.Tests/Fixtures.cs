namespace InfoCamWeb.Core.Tests;

/// <summary>Paths to the read-only shared fixtures (<c>../shared/fixtures</c> beside the repository) and to the repository itself.</summary>
internal static class Fixtures
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Shared => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "fixtures"));

    public static string Path_(params string[] parts) => Path.Combine([Shared, .. parts]);

    /// <summary>A copy of the demo dataset in <paramref name="dir"/> with the given test images cut to a third of their bytes.</summary>
    public static Core.Datasets.Dataset DemoWithBrokenImages(TempDir dir, params int[] brokenTestImages)
    {
        var src = Path.Combine(RepoRoot, "datasets", "demo-cub");
        foreach (var f in Directory.GetFiles(src, "*", SearchOption.AllDirectories))
        {
            dir.WriteBytes(Path.GetRelativePath(src, f), File.ReadAllBytes(f));
        }
        var ds = Core.Datasets.DatasetLoader.Load(dir.Path);
        foreach (var i in brokenTestImages)
        {
            var path = ds.ImagePath(ds.Select(Core.Datasets.DatasetSplit.Test)[i]);
            File.WriteAllBytes(path, File.ReadAllBytes(path)[..(int)(new FileInfo(path).Length / 3)]);
        }
        return ds;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "InfoCamWeb.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("InfoCamWeb.sln not found above the test binaries.");
    }

    /// <summary>Reads a binary (P5) PGM with 8-bit samples.</summary>
    public static (byte[] Pixels, int Width, int Height) ReadPgm(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int pos = 0;
        string Token()
        {
            while (char.IsWhiteSpace((char)bytes[pos]) || bytes[pos] == '#')
            {
                if (bytes[pos] == '#')
                {
                    while (bytes[pos] != '\n') pos++;
                }
                pos++;
            }
            int start = pos;
            while (!char.IsWhiteSpace((char)bytes[pos])) pos++;
            return System.Text.Encoding.ASCII.GetString(bytes, start, pos - start);
        }
        if (Token() != "P5") throw new InvalidDataException("not a P5 PGM");
        int w = int.Parse(Token()), h = int.Parse(Token()), max = int.Parse(Token());
        if (max > 255) throw new InvalidDataException("16-bit PGM");
        pos++;
        return (bytes.AsSpan(pos, w * h).ToArray(), w, h);
    }
}
