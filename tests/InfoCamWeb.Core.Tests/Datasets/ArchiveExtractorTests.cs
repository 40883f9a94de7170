using System.Formats.Tar;
using System.IO.Compression;
using InfoCamWeb.Core.Datasets;

namespace InfoCamWeb.Core.Tests.Datasets;

public class ArchiveExtractorTests
{
    private static string Zip(TempDir dir, params (string Name, byte[] Data)[] entries)
    {
        var path = Path.Combine(dir.Path, "a.zip");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, data) in entries)
        {
            using var s = zip.CreateEntry(name).Open();
            s.Write(data);
        }
        return path;
    }

    private static string TarGz(TempDir dir, Action<TarWriter> write)
    {
        var path = Path.Combine(dir.Path, "a.tar.gz");
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Optimal);
        using var tar = new TarWriter(gz, TarEntryFormat.Pax);
        write(tar);
        return path;
    }

    private static PaxTarEntry File_(string name, byte[] data) => new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) };

    [Fact]
    public void A_dataset_zip_with_a_wrapping_folder_extracts_and_loads()
    {
        using var dir = new TempDir();
        var src = TinyCub.Write(dir, "src/CUB_200_2011");
        var zipPath = Path.Combine(dir.Path, "cub.zip");
        ZipFile.CreateFromDirectory(Path.Combine(dir.Path, "src"), zipPath);
        var dest = Path.Combine(dir.Path, "out");
        int entries = ArchiveExtractor.Extract(zipPath, "cub.zip", dest, new ExtractionLimits());
        Assert.True(entries >= 8);
        var ds = DatasetLoader.Load(dest);
        Assert.Equal(3, ds.Images.Count);
        Assert.True(Directory.Exists(src));
    }

    [Theory]
    [InlineData("../evil", "has an empty, '.' or '..' path segment")]
    [InlineData("a/../../evil", "has an empty, '.' or '..' path segment")]
    [InlineData("/abs.txt", "has an absolute path")]
    [InlineData("..\\evil", "has a backslash in its name")]
    public void Traversal_and_absolute_names_are_refused_and_nothing_is_left(string name, string expected)
    {
        using var dir = new TempDir();
        var zip = Zip(dir, ("ok.txt", [1, 2, 3]), (name, [1]));
        var dest = Path.Combine(dir.Path, "out");
        var ex = Assert.Throws<ArchiveException>(() => ArchiveExtractor.Extract(zip, "a.zip", dest, new ExtractionLimits()));
        Assert.Contains(expected, ex.Message);
        Assert.False(Directory.Exists(dest));
        Assert.False(File.Exists(Path.Combine(dir.Path, "evil")));
    }

    [Fact]
    public void Duplicate_and_case_colliding_names_are_refused()
    {
        using var dir = new TempDir();
        var dup = TarGz(dir, t => { t.WriteEntry(File_("a/x.jpg", [1])); t.WriteEntry(File_("a/x.jpg", [2])); });
        Assert.Contains("appears twice", Assert.Throws<ArchiveException>(() => ArchiveExtractor.Extract(dup, "a.tar.gz", Path.Combine(dir.Path, "o1"), new ExtractionLimits())).Message);
        File.Delete(dup);
        var caseDup = TarGz(dir, t => { t.WriteEntry(File_("IMG.jpg", [1])); t.WriteEntry(File_("img.jpg", [2])); });
        Assert.Contains("differs from another entry only in letter case",
            Assert.Throws<ArchiveException>(() => ArchiveExtractor.Extract(caseDup, "a.tar.gz", Path.Combine(dir.Path, "o2"), new ExtractionLimits())).Message);
    }

    [Theory]
    [InlineData(TarEntryType.SymbolicLink, "symbolic link")]
    [InlineData(TarEntryType.HardLink, "hard link")]
    [InlineData(TarEntryType.Fifo, "FIFO")]
    [InlineData(TarEntryType.CharacterDevice, "device")]
    public void Links_devices_and_fifos_in_a_tar_are_refused(TarEntryType type, string expected)
    {
        using var dir = new TempDir();
        var path = TarGz(dir, t =>
        {
            t.WriteEntry(File_("images.txt", [1]));
            var e = new PaxTarEntry(type, "special");
            if (type is TarEntryType.SymbolicLink or TarEntryType.HardLink) e.LinkName = "/etc/passwd";
            t.WriteEntry(e);
        });
        var dest = Path.Combine(dir.Path, "out");
        var ex = Assert.Throws<ArchiveException>(() => ArchiveExtractor.Extract(path, "a.tar.gz", dest, new ExtractionLimits()));
        Assert.Contains($"Entry 'special' is a {expected}", ex.Message);
        Assert.False(Directory.Exists(dest));
    }

    [Fact]
    public void A_gzip_bomb_is_stopped_while_copying()
    {
        using var dir = new TempDir();
        var path = TarGz(dir, t => t.WriteEntry(File_("zeros.bin", new byte[64 << 20])));
        Assert.True(new FileInfo(path).Length < 1 << 20);
        var dest = Path.Combine(dir.Path, "out");
        var ex = Assert.Throws<ArchiveException>(() => ArchiveExtractor.Extract(path, "a.tar.gz", dest, new ExtractionLimits()));
        Assert.Contains("refused as a compression bomb", ex.Message);
        Assert.False(Directory.Exists(dest));
    }

    [Fact]
    public void Total_size_and_entry_count_caps_hold()
    {
        using var dir = new TempDir();
        var zip = Zip(dir, Enumerable.Range(0, 20).Select(i => ($"f{i}.bin", new byte[1000])).ToArray());
        Assert.Contains("more than 10 entries", Assert.Throws<ArchiveException>(() =>
            ArchiveExtractor.Extract(zip, "a.zip", Path.Combine(dir.Path, "o1"), new ExtractionLimits { MaxEntries = 10 })).Message);
        Assert.Contains("extracts to more than 5000 bytes", Assert.Throws<ArchiveException>(() =>
            ArchiveExtractor.Extract(zip, "a.zip", Path.Combine(dir.Path, "o2"), new ExtractionLimits { MaxTotalBytes = 5000, MaxCompressionRatio = 1e9 })).Message);
    }

    [Fact]
    public void A_truncated_archive_is_reported_as_damaged_and_leaves_nothing()
    {
        using var dir = new TempDir();
        var path = TarGz(dir, t => t.WriteEntry(File_("a.bin", Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7)).ToArray())));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var dest = Path.Combine(dir.Path, "out");
        var ex = Assert.Throws<ArchiveException>(() => ArchiveExtractor.Extract(path, "a.tar.gz", dest, new ExtractionLimits()));
        Assert.Contains("damaged or truncated", ex.Message);
        Assert.False(Directory.Exists(dest));
    }
}

public class DiskFullTests
{
    [SkippableFact]
    public void A_full_disk_during_extraction_gives_a_clean_error_and_leaves_nothing()
    {
        using var dir = new TempDir();
        var small = Path.Combine(dir.Path, "small-disk");
        Directory.CreateDirectory(small);
        var mount = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("mount", $"-t tmpfs -o size=1m tmpfs {small}")
            { RedirectStandardError = true, UseShellExecute = false })!;
        mount.WaitForExit();
        Skip.If(mount.ExitCode != 0, "a 1 MB tmpfs cannot be mounted here (needs root); CI runs as root");
        try
        {
            var rng = new Random(1);
            var noise = new byte[3 << 20];
            rng.NextBytes(noise); // incompressible: 3 MB do not fit on a 1 MB disk
            var zip = Path.Combine(dir.Path, "big.zip");
            using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
            {
                using var s = archive.CreateEntry("images/noise.bin").Open();
                s.Write(noise);
            }
            var dest = Path.Combine(small, "dataset");
            var ex = Assert.Throws<ArchiveException>(() => ArchiveExtractor.Extract(zip, "big.zip", dest, new ExtractionLimits()));
            Assert.Equal("The server ran out of disk space while extracting; nothing was kept.", ex.Message);
            Assert.False(Directory.Exists(dest));
            Assert.Empty(Directory.GetFileSystemEntries(small));
        }
        finally
        {
            System.Diagnostics.Process.Start("umount", small)!.WaitForExit();
        }
    }
}
