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

    [Fact]
    public void A_macos_finder_zip_extracts_and_loads_without_its_resource_forks_and_folder_settings()
    {
        using var dir = new TempDir();
        TinyCub.Write(dir, "src/CUB_200_2011");
        var zipPath = Path.Combine(dir.Path, "CUB_200_2011.zip");
        ZipFile.CreateFromDirectory(Path.Combine(dir.Path, "src"), zipPath);
        using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Update))
        {
            // What Finder's "Compress" adds: AppleDouble resource forks under __MACOSX/ and .DS_Store files.
            foreach (var name in new[] { "__MACOSX/", "__MACOSX/CUB_200_2011/", "__MACOSX/CUB_200_2011/._images.txt", "CUB_200_2011/.DS_Store",
                         "CUB_200_2011/images/.DS_Store", "CUB_200_2011/._classes.txt" })
            {
                using var s = zip.CreateEntry(name).Open();
                if (!name.EndsWith('/')) s.Write([0x00, 0x05, 0x16, 0x07, 0, 2, 0, 0]);
            }
        }
        var dest = Path.Combine(dir.Path, "out");
        ArchiveExtractor.Extract(zipPath, "CUB_200_2011.zip", dest, new ExtractionLimits());
        Assert.False(Directory.Exists(Path.Combine(dest, "__MACOSX")));
        Assert.Empty(Directory.GetFiles(dest, ".DS_Store", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(dest, "._*", SearchOption.AllDirectories));
        Assert.Equal(3, DatasetLoader.Load(dest).Images.Count);
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
    public void The_bytes_decide_the_format_so_a_plain_tar_named_tar_gz_extracts()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "plain.tar.gz");
        using (var file = File.Create(path))
        using (var tar = new TarWriter(file, TarEntryFormat.Pax))
        {
            tar.WriteEntry(File_("data/a.txt", [1, 2, 3]));
        }
        var dest = Path.Combine(dir.Path, "out");
        Assert.Equal(1, ArchiveExtractor.Extract(path, "plain.tar.gz", dest, new ExtractionLimits()));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(dest, "data", "a.txt")));
    }

    [Theory]
    [InlineData(new byte[] { 0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0, 4 }, "'up.zip' is a 7-Zip archive; accepted are .zip, .tar and .tar.gz / .tgz.")]
    [InlineData(new byte[] { 0x42, 0x5A, 0x68, 0x39, 0x31 }, "'up.zip' is a bzip2-compressed file; accepted are .zip, .tar and .tar.gz / .tgz.")]
    [InlineData(new byte[] { 0x52, 0x61, 0x72, 0x21, 0x1A, 0x07 }, "'up.zip' is a RAR archive; accepted are .zip, .tar and .tar.gz / .tgz.")]
    public void Other_archive_formats_are_named_whatever_their_extension(byte[] magic, string expected)
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "up.zip");
        File.WriteAllBytes(path, [.. magic, .. new byte[600]]);
        var dest = Path.Combine(dir.Path, "out");
        Assert.Equal(expected, Assert.Throws<ArchiveException>(() => ArchiveExtractor.Extract(path, "up.zip", dest, new ExtractionLimits())).Message);
        Assert.False(Directory.Exists(dest));
    }

    [Fact]
    public void A_name_that_is_both_a_file_and_a_folder_is_refused_without_naming_server_paths()
    {
        using var dir = new TempDir();
        var zip = Zip(dir, ("d/clash", [1]), ("d/clash/inner.txt", [2]));
        var dest = Path.Combine(dir.Path, "out");
        var ex = Assert.Throws<ArchiveException>(() => ArchiveExtractor.Extract(zip, "a.zip", dest, new ExtractionLimits()));
        Assert.Equal("Entry 'd/clash/inner.txt' is inside 'd/clash', which is a file in the archive.", ex.Message);
        Assert.False(Directory.Exists(dest));
    }

    [Fact]
    public void Names_longer_than_file_systems_allow_are_refused_by_rule()
    {
        using var dir = new TempDir();
        var dest = Path.Combine(dir.Path, "out");
        var longSegment = Zip(dir, ("d/" + new string('a', 256) + ".jpg", [1]));
        Assert.EndsWith("has a name segment longer than 255 bytes.", Assert.Throws<ArchiveException>(() => ArchiveExtractor.Extract(longSegment, "a.zip", dest, new ExtractionLimits())).Message);
        File.Delete(longSegment);
        var deep = Zip(dir, (string.Join('/', Enumerable.Repeat("dddddddddd", 100)) + "/x.txt", [1]));
        Assert.EndsWith("has a name longer than 1024 characters.", Assert.Throws<ArchiveException>(() => ArchiveExtractor.Extract(deep, "a.zip", dest, new ExtractionLimits())).Message);
        Assert.False(Directory.Exists(dest));
    }

    [Fact]
    public void An_entry_flagged_as_encrypted_is_refused()
    {
        using var dir = new TempDir();
        var zip = Zip(dir, ("a.txt", [1, 2, 3]));
        var bytes = File.ReadAllBytes(zip);
        // General-purpose flag bit 0 (encrypted) in the local header (offset 6) and the central directory entry (offset 8).
        bytes[6] |= 1;
        int central = bytes.AsSpan().IndexOf([(byte)'P', (byte)'K', (byte)1, (byte)2]);
        bytes[central + 8] |= 1;
        File.WriteAllBytes(zip, bytes);
        var dest = Path.Combine(dir.Path, "out");
        Assert.Equal("Entry 'a.txt' is encrypted; encrypted archives are not accepted.",
            Assert.Throws<ArchiveException>(() => ArchiveExtractor.Extract(zip, "a.zip", dest, new ExtractionLimits())).Message);
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
