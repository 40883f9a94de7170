namespace InfoCamWeb.Cli;

/// <summary>A bad command line: reported on one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Minimal <c>--name value</c> / <c>--flag</c> parsing with unknown options refused.</summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public CliArgs(IEnumerable<string> args, IReadOnlySet<string> flags)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var a = list[i];
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length < 3)
            {
                throw new UsageException($"unexpected argument '{a}'.");
            }
            var name = a[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq > 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (!flags.Contains(name))
            {
                if (i + 1 >= list.Count)
                {
                    throw new UsageException($"--{name} needs a value.");
                }
                value = list[++i];
            }
            if (!_values.TryAdd(name, value))
            {
                throw new UsageException($"--{name} is given twice.");
            }
        }
    }

    public string? Get(string name)
    {
        _used.Add(name);
        return _values.GetValueOrDefault(name);
    }

    public string Required(string name) => Get(name) ?? throw new UsageException($"--{name} is required.");

    public bool Flag(string name)
    {
        _used.Add(name);
        return _values.ContainsKey(name);
    }

    public int Int(string name, int fallback)
    {
        var v = Get(name);
        if (v is null) return fallback;
        return int.TryParse(v, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var r)
            ? r : throw new UsageException($"--{name} '{v}' is not an integer.");
    }

    public double Double(string name, double fallback)
    {
        var v = Get(name);
        if (v is null) return fallback;
        return double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var r) && double.IsFinite(r)
            ? r : throw new UsageException($"--{name} '{v}' is not a number.");
    }

    public float[]? Triple(string name)
    {
        var v = Get(name);
        if (v is null) return null;
        var parts = v.Split(',');
        if (parts.Length != 3) throw new UsageException($"--{name} '{v}' must be three numbers: r,g,b.");
        return parts.Select(p => float.TryParse(p, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var f) && float.IsFinite(f)
            ? f : throw new UsageException($"--{name} '{v}' must be three numbers: r,g,b.")).ToArray();
    }

    /// <summary>Refuses options that no command read.</summary>
    public void EnsureAllUsed()
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"unknown option --{unknown[0]}.");
        }
    }
}
