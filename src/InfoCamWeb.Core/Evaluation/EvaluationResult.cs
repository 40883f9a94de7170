using System.Text.Json.Serialization;

namespace InfoCamWeb.Core.Evaluation;

/// <summary>The JSON result of a run (percentages 0-100, full precision). Same shape from the CLI and the web app.</summary>
public sealed record EvaluationResult
{
    [JsonPropertyName("model")] public required ModelInfo Model { get; init; }
    [JsonPropertyName("dataset")] public required DatasetInfo Dataset { get; init; }
    [JsonPropertyName("settings")] public required SettingsInfo Settings { get; init; }
    [JsonPropertyName("classification")] public required ClassificationScores Classification { get; init; }
    [JsonPropertyName("methods")] public required Dictionary<string, MethodScores> Methods { get; init; }
    [JsonPropertyName("images")] public int Images { get; init; }
    [JsonPropertyName("skippedImages")] public List<string> SkippedImages { get; init; } = new();
    [JsonPropertyName("seconds")] public required StageSeconds Seconds { get; init; }

    /// <summary>The batch size inference used and how it was chosen; absent from results summarised without inference.</summary>
    [JsonPropertyName("batch")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public BatchInfo? Batch { get; init; }
}

public sealed record BatchInfo(
    [property: JsonPropertyName("size")] int Size,
    [property: JsonPropertyName("how")] string How);

public sealed record ModelInfo(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("featureTensor")] string FeatureTensor,
    [property: JsonPropertyName("numClasses")] int NumClasses,
    [property: JsonPropertyName("inputSize")] int InputSize,
    [property: JsonPropertyName("provider")] string Provider,
    [property: JsonPropertyName("headPattern")] string HeadPattern);

public sealed record DatasetInfo(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("split")] string Split,
    [property: JsonPropertyName("images")] int Images,
    [property: JsonPropertyName("classes")] int Classes)
{
    /// <summary>Distinct classes among the evaluated images (null in results made before it was recorded).</summary>
    [JsonPropertyName("classesUsed")] public int? ClassesUsed { get; init; }

    /// <summary>"masks" for mask ground truth (PxAP; the box scores then use the instance masks' boxes); absent for boxes.</summary>
    [JsonPropertyName("groundTruth")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? GroundTruth { get; init; }

    [JsonIgnore] public bool HasMasks => GroundTruth == "masks";
}

public sealed record SettingsInfo(
    [property: JsonPropertyName("protocol")] string Protocol,
    [property: JsonPropertyName("camThreshold")] double CamThreshold,
    [property: JsonPropertyName("thresholdStep")] double ThresholdStep,
    [property: JsonPropertyName("window")] int Window)
{
    /// <summary>MaxBoxAccV2's IoU list in percent; null in results made before it was configurable (then 30, 50, 70).</summary>
    [JsonPropertyName("maxBoxAccV2IoUs")] public int[]? MultiIoUs { get; init; }
}

public sealed record ClassificationScores(
    [property: JsonPropertyName("top1")] double Top1,
    [property: JsonPropertyName("top5")] double Top5,
    [property: JsonPropertyName("miEstimateNats")] double MiEstimateNats,
    [property: JsonPropertyName("pcMiEstimateNats")] double? PcMiEstimateNats);

public sealed record MethodScores
{
    [JsonPropertyName("gtKnownLoc")] public double GtKnownLoc { get; init; }
    [JsonPropertyName("top1Loc")] public double Top1Loc { get; init; }

    /// <summary>Top-5 Loc (%): the true class among the five highest logits and IoU ≥ 0.5 at the fixed threshold; null in results stored before it was computed.</summary>
    [JsonPropertyName("top5Loc")] public double? Top5Loc { get; init; }
    [JsonPropertyName("maxBoxAcc")] public double MaxBoxAcc { get; init; }
    [JsonPropertyName("maxBoxAccThreshold")] public double MaxBoxAccThreshold { get; init; }
    [JsonPropertyName("maxBoxAccV2")] public double MaxBoxAccV2 { get; init; }
    [JsonPropertyName("maxBoxAccV2ByIou")] public required Dictionary<string, double> MaxBoxAccV2ByIou { get; init; }

    /// <summary>BoxAcc(t, 0.5) of the largest box at t = k * thresholdStep, k = 0, 1, ...</summary>
    [JsonPropertyName("boxAccCurve")] public required double[] BoxAccCurve { get; init; }

    /// <summary>GT-known Loc per class, keyed by the dataset's class label.</summary>
    [JsonPropertyName("perClassGtKnownLoc")] public required Dictionary<string, double> PerClassGtKnownLoc { get; init; }

    /// <summary>Pointing game (%): images whose map maximum lies within 15 px of a ground-truth box.</summary>
    /// <remarks>Null in results stored before the pointing games were computed.</remarks>
    [JsonPropertyName("pointingGame")] public double? PointingGame { get; init; }

    /// <summary>Energy-based pointing game (%): the mean share of the normalised map's energy inside the ground-truth boxes.</summary>
    [JsonPropertyName("energyPointingGame")] public double? EnergyPointingGame { get; init; }

    [JsonPropertyName("perClassPointingGame")] public Dictionary<string, double> PerClassPointingGame { get; init; } = new();

    [JsonPropertyName("perClassEnergyPointingGame")] public Dictionary<string, double> PerClassEnergyPointingGame { get; init; } = new();

    /// <summary>PxAP (%), wsolevaluation's pixel average precision; only for mask datasets (absent otherwise).</summary>
    [JsonPropertyName("pxap")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Pxap { get; init; }

    /// <summary>The best pixel IoU (%) over the threshold sweep, tp / (tp + fn + fp); this project's addition, mask datasets only.</summary>
    [JsonPropertyName("bestPixelIoU")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? BestPixelIoU { get; init; }

    /// <summary>The lowest threshold reaching <see cref="BestPixelIoU"/>.</summary>
    [JsonPropertyName("bestPixelIoUThreshold")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? BestPixelIoUThreshold { get; init; }
}

/// <summary>
/// Where a run's time went: <see cref="Total"/> and <see cref="Inference"/> (ONNX Runtime's own threads) are wall
/// seconds; <see cref="Decode"/> and <see cref="Preprocess"/> are CPU seconds summed over the threads that decode
/// (<c>Diagnostics.CpuClock</c>, the wall clock where thread CPU time is not available); <see cref="Localization"/>
/// is the wall time of the localization stage, its <see cref="LocalizationStages"/> CPU seconds.
/// </summary>
public sealed record StageSeconds(
    [property: JsonPropertyName("total")] double Total,
    [property: JsonPropertyName("decode")] double Decode,
    [property: JsonPropertyName("preprocess")] double Preprocess,
    [property: JsonPropertyName("inference")] double Inference,
    [property: JsonPropertyName("localization")] double Localization)
{
    /// <summary>Where localization's time went, as CPU seconds summed over the threads that share it (<c>Diagnostics.CpuClock</c>); null when not measured (older results).</summary>
    [JsonPropertyName("localizationStages")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LocalizationSeconds? LocalizationStages { get; init; }

    /// <summary>Both passes' seconds added stage by stage (shards of one run, chunks of a benchmark).</summary>
    public StageSeconds Plus(StageSeconds o) => new(Total + o.Total, Decode + o.Decode, Preprocess + o.Preprocess, Inference + o.Inference, Localization + o.Localization)
    {
        LocalizationStages = LocalizationStages is { } a && o.LocalizationStages is { } b ? a.Plus(b) : LocalizationStages ?? o.LocalizationStages,
    };
}

/// <summary>
/// CPU seconds of localization's stages: the score maps (<see cref="Maps"/>), cubic upsampling with min-max
/// normalisation and quantisation (<see cref="Upsampling"/>), the contour sweep (<see cref="Sweep"/>), and everything
/// scored from its boxes and the map, counted into the run's totals (<see cref="Metrics"/>).
/// </summary>
public sealed record LocalizationSeconds(
    [property: JsonPropertyName("maps")] double Maps,
    [property: JsonPropertyName("upsampling")] double Upsampling,
    [property: JsonPropertyName("sweep")] double Sweep,
    [property: JsonPropertyName("metrics")] double Metrics)
{
    public static LocalizationSeconds Zero { get; } = new(0, 0, 0, 0);

    public LocalizationSeconds Plus(LocalizationSeconds o) => new(Maps + o.Maps, Upsampling + o.Upsampling, Sweep + o.Sweep, Metrics + o.Metrics);
}
