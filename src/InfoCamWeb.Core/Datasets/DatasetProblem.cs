namespace InfoCamWeb.Core.Datasets;

/// <summary>One thing wrong with a dataset, located by file (relative to the dataset root), line (1-based, 0 when the whole file) and field.</summary>
public sealed record DatasetProblem(string File, int Line, string Field, string Message)
{
    public override string ToString() =>
        Line > 0 ? $"{File}, line {Line}, {Field}: {Message}" : $"{File}: {Message}";
}

/// <summary>A dataset that cannot be used, with every problem found (the first <see cref="ProblemCollector.Limit"/> of them).</summary>
public sealed class DatasetException : Exception
{
    public DatasetException(IReadOnlyList<DatasetProblem> problems, int total)
        : base(BuildMessage(problems, total))
    {
        Problems = problems;
        TotalProblems = total;
    }

    public DatasetException(DatasetProblem problem) : this([problem], 1)
    {
    }

    public IReadOnlyList<DatasetProblem> Problems { get; }

    public int TotalProblems { get; }

    private static string BuildMessage(IReadOnlyList<DatasetProblem> problems, int total)
    {
        if (problems.Count == 1 && total == 1)
        {
            return problems[0].ToString();
        }
        var more = total > problems.Count ? $" (showing the first {problems.Count}; {total - problems.Count} more)" : "";
        return $"{total} problem(s) in the dataset{more}:" + Environment.NewLine +
               string.Join(Environment.NewLine, problems.Select(p => "  " + p));
    }
}

/// <summary>Collects problems, keeping the first <see cref="Limit"/> and counting the rest.</summary>
public sealed class ProblemCollector
{
    public const int Limit = 100;
    private readonly List<DatasetProblem> _problems = new();

    public int Count { get; private set; }

    public IReadOnlyList<DatasetProblem> Problems => _problems;

    public void Add(string file, int line, string field, string message)
    {
        Count++;
        if (_problems.Count < Limit)
        {
            _problems.Add(new DatasetProblem(file, line, field, message));
        }
    }

    public void ThrowIfAny()
    {
        if (Count > 0)
        {
            throw new DatasetException(_problems.ToList(), Count);
        }
    }
}
