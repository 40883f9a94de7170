using System.Text.Json;
using System.Text.Json.Serialization;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Models;
using InfoCamWeb.Data.Entities;

namespace InfoCamWeb.Data.Runs;

/// <summary>
/// A run's settings as one typed, versioned record: built and validated once, when the run is created (with the model's
/// preprocessing and head overrides of that moment), stored as JSON with the run, and read back as-is by whichever
/// worker executes it — nothing is parsed again from text columns in another process.
/// </summary>
public sealed record RunSpec
{
    /// <summary>
    /// 5: a part of the split (<see cref="EvaluationSettings.Subset"/>, a benchmark phase's images) may be given;
    /// 4: the batch size may be absent (chosen by the worker for its device); 3: MaxBoxAccV2's IoU list
    /// (<see cref="EvaluationSettings.MultiIoUs"/>); 2: methods of the CAM family and Score-CAM's channel cap. Versions 1
    /// to 4 still read (with the default IoU list before 3).
    /// </summary>
    public const int CurrentVersion = 5;

    public int Version { get; init; } = CurrentVersion;

    public required EvaluationSettings Settings { get; init; }

    public HeadOverrides? Head { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The spec of a new run; throws <see cref="ArgumentException"/> with the field that is wrong.</summary>
    public static RunSpec Create(EvaluationSettings settings, ModelRecord model)
    {
        var complete = settings with { Preprocessing = settings.Preprocessing ?? RunSettings.PreprocessingOf(model) };
        complete.Validate();
        return new RunSpec { Settings = complete, Head = RunSettings.OverridesOf(model) };
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a stored spec; a version this build does not know is refused with both versions named.</summary>
    public static RunSpec FromJson(string? json)
    {
        if (string.IsNullOrEmpty(json)) throw new FormatException("The run has no stored settings.");
        RunSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<RunSpec>(json, Json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"The run's stored settings cannot be read: {ex.Message}", ex);
        }
        if (spec is null) throw new FormatException("The run has no stored settings.");
        if (spec.Version is < 1 or > CurrentVersion)
        {
            throw new FormatException($"The run's settings are version {spec.Version}; this worker reads versions 1 to {CurrentVersion}. Run a worker of the same release as the web app.");
        }
        spec.Settings.Validate();
        return spec;
    }
}
