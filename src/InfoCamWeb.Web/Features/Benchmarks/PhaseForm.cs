using System.Globalization;

namespace InfoCamWeb.Web.Features.Benchmarks;

/// <summary>A phase being filled in on the benchmark form: its request, with the dates as typed text (UTC).</summary>
public sealed class PhaseForm
{
    public string Name { get => Request.Name; set => Request.Name = value; }
    public string Opens { get; set; } = "";
    public string Closes { get; set; } = "";
    public PhaseRequest Request { get; init; } = new();

    public static PhaseForm New(string name, DateTimeOffset opens, DateTimeOffset closes, int from, int to, string visibility, string rule, int daily, int total) => new()
    {
        Request = new PhaseRequest { Name = name, SubsetFrom = from, SubsetTo = to, Visibility = visibility, Rule = rule, DailyLimit = daily, TotalLimit = total },
        Opens = Format(opens), Closes = Format(closes),
    };

    /// <summary>A stored phase's request (with its id) on the form; its dates stay exact unless their text is changed.</summary>
    public static PhaseForm Of(PhaseRequest request) => new()
    {
        Request = request, Opens = Format(request.Opens), Closes = Format(request.Closes), _stored = (request.Opens, request.Closes),
    };

    /// <summary>The stored dates, to the tick: the form shows minutes, and saving an unchanged date must not move it.</summary>
    private (DateTimeOffset Opens, DateTimeOffset Closes)? _stored;

    /// <summary>The form's phases as requests, their typed dates parsed; else the first date that is not one, with its field.</summary>
    public static (List<PhaseRequest> Phases, string? Error) ToRequests(IReadOnlyList<PhaseForm> forms)
    {
        var phases = new List<PhaseRequest>();
        for (int i = 0; i < forms.Count; i++)
        {
            var p = forms[i];
            if (!p.TryDate(p.Opens, p._stored?.Opens, out var opens)) return ([], $"phases[{i}].opens: '{p.Opens}' is not a date yyyy-MM-dd HH:mm (UTC).");
            if (!p.TryDate(p.Closes, p._stored?.Closes, out var closes)) return ([], $"phases[{i}].closes: '{p.Closes}' is not a date yyyy-MM-dd HH:mm (UTC).");
            (p.Request.Opens, p.Request.Closes) = (opens, closes);
            phases.Add(p.Request);
        }
        return (phases, null);
    }

    /// <summary>The typed date; the stored one itself when its text was left as shown.</summary>
    private bool TryDate(string text, DateTimeOffset? stored, out DateTimeOffset value)
    {
        if (stored is { } exact && text.Trim() == Format(exact))
        {
            value = exact;
            return true;
        }
        return TryParse(text, out value);
    }

    private static string Format(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static bool TryParse(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(text.Trim(), ["yyyy-MM-dd HH:mm", "yyyy-MM-dd"], CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
}
