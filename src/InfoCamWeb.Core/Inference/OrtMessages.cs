using System.Text.RegularExpressions;

namespace InfoCamWeb.Core.Inference;

/// <summary>
/// Turns an ONNX Runtime error into one readable line for users: the first line only, without terminal colour codes,
/// log prefixes, the [ErrorCode:…] tag or the C++ source location and signature ONNX Runtime puts in front of its message.
/// </summary>
public static partial class OrtMessages
{
    public static string Clean(string message)
    {
        var line = AnsiEscape().Replace(message ?? "", "");
        line = line.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        line = LogPrefix().Replace(line, "");
        var rest = ErrorCode().Replace(line, "").TrimStart();
        // "/onnxruntime_src/.../model.cc:251 onnxruntime::Model::Model(onnx::ModelProto&&, ...) Missing model IR version."
        var location = SourceLocation().Match(rest);
        if (location.Success)
        {
            int i = location.Length;
            if (i < rest.Length && rest[i] == '(')
            {
                int depth = 0;
                for (; i < rest.Length; i++)
                {
                    if (rest[i] == '(') depth++;
                    else if (rest[i] == ')' && --depth == 0) { i++; break; }
                }
            }
            rest = rest[Math.Min(i, rest.Length)..].TrimStart();
        }
        return rest.Trim();
    }

    [GeneratedRegex(@"\x1B\[[0-9;]*[A-Za-z]")]
    private static partial Regex AnsiEscape();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2} [\d:.]+ \[[A-Z]:onnxruntime:[^\]]*\]\s*")]
    private static partial Regex LogPrefix();

    [GeneratedRegex(@"^\[ErrorCode:\w+\]\s*")]
    private static partial Regex ErrorCode();

    [GeneratedRegex(@"^\S+\.(?:cc|cpp|h):\d+\s+[\w:~<>]+")]
    private static partial Regex SourceLocation();
}
