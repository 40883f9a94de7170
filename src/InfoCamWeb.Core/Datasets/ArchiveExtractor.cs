using System.Formats.Tar;
using System.IO.Compression;

namespace InfoCamWeb.Core.Datasets;

/// <summary>Caps for extracting an uploaded archive; counted while copying, never taken from the archive's own headers.</summary>
public sealed record ExtractionLimits
{
    /// <summary>Total bytes written (the real CUB-200-2011 archive extracts to about 1.2 GB).</summary>
    public long MaxTotalBytes { get; init; } = 8L << 30;

    /// <summary>Files and folders (CUB-200-2011 has about 12,000 entries).</summary>
    public int MaxEntries { get; init; } = 100_000;

    /// <summary>Extracted bytes per archive byte (images barely compress; a bomb compresses a thousandfold).</summary>
    public double MaxCompressionRatio { get; init; } = 100;
}

/// <summary>An archive that was refused, naming the entry and the reason.</summary>
public sealed class ArchiveException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Extracts .zip, .tar, .tar.gz / .tgz with its own loop (threats.md, decision 6): only regular files and folders;
/// traversal, absolute, backslash, NUL, empty-segment, duplicate and case-colliding names are refused; total size,
/// entry count and compression ratio are counted while copying. A failed extraction removes everything it wrote.
/// </summary>
public static class ArchiveExtractor
{
    public static bool IsSupported(string fileName) =>
        fileName.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) || fileName.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) ||
        fileName.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase) || fileName.EndsWith(".tar", StringComparison.OrdinalIgnoreCase);

    /// <summary>Extracts <paramref name="archive"/> (named <paramref name="fileName"/> by its uploader) into the new folder <paramref name="destination"/>.</summary>
    public static int Extract(string archive, string fileName, string destination, ExtractionLimits limits, CancellationToken ct = default)
    {
        if (Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any())
        {
            throw new ArgumentException("The destination folder must be new or empty.", nameof(destination));
        }
        Directory.CreateDirectory(destination);
        var state = new State(destination, limits, new FileInfo(archive).Length);
        try
        {
            // The bytes decide the format, not the uploader's file name (a plain tar named .tar.gz is still a tar).
            var format = Sniff(archive);
            if (format == ArchiveFormat.Unknown)
            {
                format = fileName.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? ArchiveFormat.Zip
                    : fileName.EndsWith(".tar", StringComparison.OrdinalIgnoreCase) ? ArchiveFormat.Tar
                    : IsSupported(fileName) ? ArchiveFormat.Gzip
                    : throw new ArchiveException($"'{Show(Path.GetFileName(fileName))}' is not a .zip, .tar, .tar.gz or .tgz archive.");
            }
            switch (format)
            {
                case ArchiveFormat.Zip:
                    ExtractZip(archive, state, ct);
                    break;
                case ArchiveFormat.Tar:
                {
                    using var file = File.OpenRead(archive);
                    ExtractTar(file, state, ct);
                    break;
                }
                case ArchiveFormat.Gzip:
                {
                    using var file = File.OpenRead(archive);
                    using var gzip = new GZipStream(file, CompressionMode.Decompress);
                    ExtractTar(gzip, state, ct);
                    break;
                }
                default:
                    throw new ArchiveException($"'{Show(Path.GetFileName(fileName))}' is a {Describe(format)}; accepted are .zip, .tar and .tar.gz / .tgz.");
            }
            if (state.Entries == 0)
            {
                throw new ArchiveException("The archive is empty.");
            }
            return state.Entries;
        }
        catch (Exception ex) when (ex is not ArchiveException and not OperationCanceledException)
        {
            Remove(destination);
            throw ex switch
            {
                InvalidDataException or EndOfStreamException or FormatException => new ArchiveException($"The archive is damaged or truncated ({ex.Message.TrimEnd('.')}).", ex),
                IOException io when io.HResult == 28 || io.Message.Contains("space", StringComparison.OrdinalIgnoreCase) =>
                    new ArchiveException("The server ran out of disk space while extracting; nothing was kept.", ex),
                NotSupportedException => new ArchiveException($"The archive uses a feature that is not supported ({Hide(ex.Message, state)}).", ex),
                _ => new ArchiveException($"The archive cannot be extracted ({ex.GetType().Name}: {Hide(ex.Message, state)}).", ex),
            };
        }
        catch
        {
            Remove(destination);
            throw;
        }
    }

    private enum ArchiveFormat { Unknown, Zip, Tar, Gzip, Bzip2, Xz, SevenZip, Rar, Zstd }

    private static ArchiveFormat Sniff(string archive)
    {
        var head = new byte[512];
        int n;
        using (var file = File.OpenRead(archive))
        {
            n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        bool Starts(params byte[] magic) => n >= magic.Length && head.AsSpan(0, magic.Length).SequenceEqual(magic);
        if (Starts(0x50, 0x4B, 0x03, 0x04) || Starts(0x50, 0x4B, 0x05, 0x06)) return ArchiveFormat.Zip;
        if (Starts(0x1F, 0x8B)) return ArchiveFormat.Gzip;
        if (n >= 262 && head.AsSpan(257, 5).SequenceEqual("ustar"u8)) return ArchiveFormat.Tar;
        if (Starts(0x42, 0x5A, 0x68)) return ArchiveFormat.Bzip2;
        if (Starts(0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00)) return ArchiveFormat.Xz;
        if (Starts(0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C)) return ArchiveFormat.SevenZip;
        if (Starts(0x52, 0x61, 0x72, 0x21)) return ArchiveFormat.Rar;
        if (Starts(0x28, 0xB5, 0x2F, 0xFD)) return ArchiveFormat.Zstd;
        return ArchiveFormat.Unknown;
    }

    private static string Describe(ArchiveFormat f) => f switch
    {
        ArchiveFormat.Bzip2 => "bzip2-compressed file",
        ArchiveFormat.Xz => "xz-compressed file",
        ArchiveFormat.SevenZip => "7-Zip archive",
        ArchiveFormat.Rar => "RAR archive",
        ArchiveFormat.Zstd => "zstd-compressed file",
        _ => f.ToString(),
    };

    /// <summary>An exception message without the server's extraction folder in it.</summary>
    private static string Hide(string message, State state) =>
        Show(message.Replace(state.Root + Path.DirectorySeparatorChar, "", StringComparison.Ordinal).Replace(state.Root, "", StringComparison.Ordinal).TrimEnd('.'));

    /// <summary>Longest name segment (bytes, as file systems count) and whole entry name (characters) accepted.</summary>
    public const int MaxSegmentBytes = 255;
    public const int MaxNameLength = 1024;

    private sealed class State(string root, ExtractionLimits limits, long archiveBytes)
    {
        public string Root { get; } = Path.GetFullPath(root);
        public ExtractionLimits Limits { get; } = limits;
        public long ArchiveBytes { get; } = Math.Max(1, archiveBytes);
        public long Written { get; set; }
        public int Entries { get; set; }
        public HashSet<string> Names { get; } = new(StringComparer.Ordinal);
        public HashSet<string> FoldedNames { get; } = new(StringComparer.OrdinalIgnoreCase);
        public HashSet<string> Files { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Folders { get; } = new(StringComparer.Ordinal);
    }

    private static void ExtractZip(string archive, State state, CancellationToken ct)
    {
        using var zip = ZipFile.OpenRead(archive);
        foreach (var entry in zip.Entries)
        {
            ct.ThrowIfCancellationRequested();
            // Unix mode bits in the high word of ExternalAttributes: refuse symbolic links (0xA000) and other specials.
            int unixType = (entry.ExternalAttributes >> 16) & 0xF000;
            bool isDirectory = entry.FullName.EndsWith('/');
            if (unixType != 0 && unixType != 0x8000 && unixType != 0x4000)
            {
                throw new ArchiveException($"Entry '{Show(entry.FullName)}' is a {(unixType == 0xA000 ? "symbolic link" : "special file")}; only files and folders are accepted.");
            }
            if (entry.IsEncrypted)
            {
                throw new ArchiveException($"Entry '{Show(entry.FullName)}' is encrypted; encrypted archives are not accepted.");
            }
            var relative = CheckName(entry.FullName.TrimEnd('/'), state, isDirectory);
            if (relative is null) continue;
            var target = Target(relative, state);
            if (isDirectory)
            {
                Directory.CreateDirectory(target);
                continue;
            }
            using var input = entry.Open();
            Copy(input, target, entry.FullName, state, ct);
        }
    }

    private static void ExtractTar(Stream stream, State state, CancellationToken ct)
    {
        using var reader = new TarReader(stream);
        TarEntry? entry;
        while ((entry = reader.GetNextEntry(copyData: false)) is not null)
        {
            ct.ThrowIfCancellationRequested();
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                {
                    var relative = CheckName(entry.Name.TrimEnd('/'), state, isDirectory: true);
                    if (relative is not null) Directory.CreateDirectory(Target(relative, state));
                    break;
                }
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                {
                    var relative = CheckName(entry.Name, state, isDirectory: false);
                    if (relative is null) break;
                    if (entry.DataStream is null)
                    {
                        File.WriteAllBytes(Target(relative, state), []);
                        break;
                    }
                    Copy(entry.DataStream, Target(relative, state), entry.Name, state, ct);
                    break;
                }
                case TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes:
                    break;
                default:
                    throw new ArchiveException($"Entry '{Show(entry.Name)}' is a {Describe(entry.EntryType)}; only files and folders are accepted.");
            }
        }
    }

    /// <summary>
    /// What macOS adds to archives it makes (Finder's "Compress", tar on a Mac): resource forks under <c>__MACOSX/</c> and
    /// as <c>._name</c> files, and folder settings in <c>.DS_Store</c>. Metadata, never data: skipped, not extracted.
    /// </summary>
    private static bool IsMacMetadata(string name)
    {
        var parts = (name.StartsWith("./", StringComparison.Ordinal) ? name[2..] : name).Split('/');
        return parts[0] == "__MACOSX" || parts[^1] == ".DS_Store" || parts[^1].StartsWith("._", StringComparison.Ordinal);
    }

    private static string Describe(TarEntryType t) => t switch
    {
        TarEntryType.SymbolicLink => "symbolic link",
        TarEntryType.HardLink => "hard link",
        TarEntryType.CharacterDevice or TarEntryType.BlockDevice => "device",
        TarEntryType.Fifo => "FIFO",
        _ => $"{t} entry",
    };

    /// <summary>The entry's relative path when acceptable; null for entries to skip (the root folder itself, macOS metadata).</summary>
    private static string? CheckName(string name, State state, bool isDirectory)
    {
        if (name.Length == 0 || name == "." || IsMacMetadata(name)) return null;
        if (name.Length > MaxNameLength) throw new ArchiveException($"Entry '{Show(name)}' has a name longer than {MaxNameLength} characters.");
        if (name.Contains('\0')) throw new ArchiveException($"Entry '{Show(name)}' has a NUL character in its name.");
        if (name.Contains('\\')) throw new ArchiveException($"Entry '{Show(name)}' has a backslash in its name.");
        if (name.StartsWith('/') || (name.Length > 1 && name[1] == ':')) throw new ArchiveException($"Entry '{Show(name)}' has an absolute path.");
        var parts = name.Split('/');
        if (parts[0] == ".") parts = parts[1..];
        foreach (var p in parts)
        {
            if (p is "" or "." or "..") throw new ArchiveException($"Entry '{Show(name)}' has an empty, '.' or '..' path segment.");
            if (p.Any(char.IsControl)) throw new ArchiveException($"Entry '{Show(name)}' has a control character in its name.");
            if (System.Text.Encoding.UTF8.GetByteCount(p) > MaxSegmentBytes)
            {
                throw new ArchiveException($"Entry '{Show(name)}' has a name segment longer than {MaxSegmentBytes} bytes.");
            }
        }
        var relative = string.Join('/', parts);
        // A path cannot be both a file and a folder: 'a' as a file and 'a/b' (or the other way round).
        for (int i = 1; i < parts.Length; i++)
        {
            var parent = string.Join('/', parts[..i]);
            if (state.Files.Contains(parent)) throw new ArchiveException($"Entry '{Show(name)}' is inside '{Show(parent)}', which is a file in the archive.");
            state.Folders.Add(parent);
        }
        if (isDirectory) state.Folders.Add(relative);
        else if (state.Folders.Contains(relative)) throw new ArchiveException($"Entry '{Show(name)}' is a file, but the archive also has it as a folder.");
        else state.Files.Add(relative);
        if (!state.Names.Add(relative)) throw new ArchiveException($"Entry '{Show(name)}' appears twice in the archive.");
        if (!state.FoldedNames.Add(relative)) throw new ArchiveException($"Entry '{Show(name)}' differs from another entry only in letter case.");
        if (++state.Entries > state.Limits.MaxEntries) throw new ArchiveException($"The archive has more than {state.Limits.MaxEntries} entries.");
        return relative;
    }

    private static string Target(string relative, State state)
    {
        var full = Path.GetFullPath(Path.Combine(state.Root, relative));
        if (!full.StartsWith(state.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArchiveException($"Entry '{Show(relative)}' would be written outside the dataset folder.");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return full;
    }

    private static void Copy(Stream input, string target, string name, State state, CancellationToken ct)
    {
        if (File.Exists(target) || Directory.Exists(target))
        {
            throw new ArchiveException($"Entry '{Show(name)}' collides with another entry.");
        }
        var buffer = new byte[81920];
        using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920);
        int read;
        while ((read = input.Read(buffer, 0, buffer.Length)) > 0)
        {
            ct.ThrowIfCancellationRequested();
            state.Written += read;
            if (state.Written > state.Limits.MaxTotalBytes)
            {
                throw new ArchiveException($"The archive extracts to more than {state.Limits.MaxTotalBytes} bytes (stopped at '{Show(name)}').");
            }
            if (state.Written > state.ArchiveBytes * state.Limits.MaxCompressionRatio && state.Written > 1 << 20)
            {
                throw new ArchiveException($"The archive expands more than {state.Limits.MaxCompressionRatio:0}-fold (stopped at '{Show(name)}'): refused as a compression bomb.");
            }
            output.Write(buffer, 0, read);
        }
    }

    /// <summary>Text from an archive or a folder listing made safe to show: control characters as ?, at most 120 characters.</summary>
    internal static string Show(string name)
    {
        var clean = new string(name.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return clean.Length <= 120 ? clean : clean[..117] + "...";
    }

    private static void Remove(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
