using System.Globalization;
using System.Text;

namespace InfoCamWeb.Core.Datasets;

/// <summary>
/// Strict reading of one annotation text file: UTF-8 only (a BOM is tolerated, invalid bytes are an error),
/// LF or CRLF line ends, a cap on line length and file size, invariant-culture finite numbers.
/// </summary>
internal sealed class AnnotationFile
{
    public const int MaxLineBytes = 4096;
    public const long MaxFileBytes = 64L * 1024 * 1024;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private AnnotationFile(string name, List<(int Line, string Text)> lines)
    {
        Name = name;
        Lines = lines;
    }

    /// <summary>The file's name as reported in problems (relative to the dataset root).</summary>
    public string Name { get; }

    /// <summary>True when the file does not exist (an empty stand-in so other files can still be checked).</summary>
    public bool Missing { get; private init; }

    public static AnnotationFile Absent(string name) => new(name, new()) { Missing = true };

    /// <summary>Non-empty lines with their 1-based numbers.</summary>
    public List<(int Line, string Text)> Lines { get; }

    public static AnnotationFile? Open(string path, string name, ProblemCollector problems)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        var info = new FileInfo(path);
        if (info.Length > MaxFileBytes)
        {
            problems.Add(name, 0, "file", $"is {info.Length} bytes; annotation files are limited to {MaxFileBytes} bytes.");
            return new AnnotationFile(name, new());
        }
        using var stream = File.OpenRead(path);
        return Read(stream, name, problems);
    }

    public static AnnotationFile Read(Stream stream, string name, ProblemCollector problems)
    {
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        var bytes = ms.GetBuffer().AsSpan(0, (int)ms.Length);
        if (bytes.Length >= 2 && ((bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF)))
        {
            problems.Add(name, 1, "encoding", "is UTF-16; annotation files must be UTF-8.");
            return new AnnotationFile(name, new());
        }
        if (bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
        {
            bytes = bytes[3..];
        }
        var lines = new List<(int, string)>();
        int lineNo = 0;
        while (!bytes.IsEmpty)
        {
            lineNo++;
            int nl = bytes.IndexOf((byte)'\n');
            var raw = nl < 0 ? bytes : bytes[..nl];
            bytes = nl < 0 ? Span<byte>.Empty : bytes[(nl + 1)..];
            if (!raw.IsEmpty && raw[^1] == (byte)'\r')
            {
                raw = raw[..^1];
            }
            if (raw.Length > MaxLineBytes)
            {
                problems.Add(name, lineNo, "line", $"is {raw.Length} bytes long; the limit is {MaxLineBytes}.");
                continue;
            }
            if (raw.IndexOf((byte)0) >= 0)
            {
                problems.Add(name, lineNo, "line", "contains a NUL byte.");
                continue;
            }
            string text;
            try
            {
                text = StrictUtf8.GetString(raw);
            }
            catch (DecoderFallbackException)
            {
                problems.Add(name, lineNo, "encoding", "is not valid UTF-8.");
                continue;
            }
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }
            lines.Add((lineNo, text.Trim()));
        }
        return new AnnotationFile(name, lines);
    }

    /// <summary>Splits on runs of spaces or tabs.</summary>
    public static string[] Fields(string text) => text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A positive integer written canonically (no sign, no leading zeros), so <c>12</c> and <c>012</c> cannot both name one image.</summary>
    public bool TryId(string text, int line, string field, ProblemCollector problems, out int id)
    {
        id = 0;
        if (text.Length == 0 || text.Length > 9 || text[0] == '0' || !text.All(char.IsAsciiDigit))
        {
            var why = text.Length > 0 && text[0] == '0' && text.All(char.IsAsciiDigit)
                ? (text == "0" ? "ids start at 1" : "has a leading zero")
                : "is not a positive integer";
            problems.Add(Name, line, field, $"'{Truncate(text)}' {why}.");
            return false;
        }
        id = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>A non-negative integer (for 0-based labels).</summary>
    public bool TryNonNegative(string text, int line, string field, ProblemCollector problems, out int value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 9 || !text.All(char.IsAsciiDigit) || (text.Length > 1 && text[0] == '0'))
        {
            problems.Add(Name, line, field, $"'{Truncate(text)}' is not a non-negative integer.");
            return false;
        }
        value = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>A finite decimal number in the invariant culture (no NaN, no infinity, no overflow, no comma decimals).</summary>
    public bool TryNumber(string text, int line, string field, ProblemCollector problems, out double value)
    {
        value = 0;
        if (!double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out value) || !double.IsFinite(value))
        {
            problems.Add(Name, line, field, $"'{Truncate(text)}' is not a finite number.");
            return false;
        }
        return true;
    }

    public static string Truncate(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
