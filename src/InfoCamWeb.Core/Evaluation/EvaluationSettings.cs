using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Inference;

namespace InfoCamWeb.Core.Evaluation;

/// <summary>Everything that decides the numbers of a run, with the protocol's defaults.</summary>
public sealed record EvaluationSettings
{
    public DatasetSplit Split { get; init; } = DatasetSplit.Test;

    public IReadOnlyList<CamMethod> Methods { get; init; } = CamMethods.All;

    public EvaluationProtocol Protocol { get; init; } = EvaluationProtocol.Resize224;

    /// <summary>The fixed threshold t0 of GT-known Loc and Top-1 Loc.</summary>
    public double CamThreshold { get; init; } = 0.2;

    public double ThresholdStep { get; init; } = 0.01;

    /// <summary>infoCAM window size s.</summary>
    public int Window { get; init; } = 4;

    /// <summary>Images per inference batch; null: chosen for the device (<see cref="BatchSizer"/>).</summary>
    public int? BatchSize { get; init; }

    public ProviderChoice Provider { get; init; } = ProviderChoice.Auto;

    /// <summary>Let CUDA use TF32 for FP32 convolutions and GEMMs: faster on Ampere and newer GPUs, but not exact (off by default).</summary>
    public bool AllowTf32 { get; init; }

    /// <summary>The GPU a CUDA session uses: the executing worker's (<c>cuda:N</c>), not part of a run's stored settings.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int CudaDevice { get; init; }

    /// <summary>Mean/std/size; null: ImageNet statistics at the model's input size.</summary>
    public Preprocessing? Preprocessing { get; init; }

    /// <summary>Score-CAM's channel cap: null runs every channel's mask (K passes per image), N the N most active.</summary>
    public int? ScoreCamChannels { get; init; }

    /// <summary>MaxBoxAccV2's IoU list in percent (wsolevaluation's iou_threshold_list), ascending.</summary>
    public IReadOnlyList<int> MultiIoUs { get; init; } = Evaluation.MultiIoUs.Default;

    /// <summary>Skip images that cannot be decoded (reported) instead of failing the run.</summary>
    public bool SkipBadImages { get; init; }

    /// <summary>The part of the split evaluated (a benchmark phase's images); null: the whole split.</summary>
    public ImageSubset? Subset { get; init; }

    /// <summary>The images these settings evaluate: the split, narrowed to <see cref="Subset"/>.</summary>
    public IReadOnlyList<ImageRecord> ImagesOf(Dataset dataset) => Subset?.Of(dataset.Select(Split)) ?? dataset.Select(Split);

    public void Validate()
    {
        if (!(CamThreshold >= 0 && CamThreshold < 1)) throw new ArgumentException($"--cam-threshold {CamThreshold} must be in [0, 1).");
        if (!(ThresholdStep > 0 && ThresholdStep < 1)) throw new ArgumentException($"--threshold-step {ThresholdStep} must be in (0, 1).");
        if (ThresholdStep < 0.0001) throw new ArgumentException($"--threshold-step {ThresholdStep} is below 0.0001.");
        if (Window < 1 || Window > 64) throw new ArgumentException($"--window {Window} must be between 1 and 64.");
        if (BatchSize is < 1 or > 1024) throw new ArgumentException($"--batch-size {BatchSize} must be between 1 and 1024.");
        if (Methods.Count == 0) throw new ArgumentException("At least one method is needed.");
        Evaluation.MultiIoUs.Validate(MultiIoUs);
        Subset?.Validate();
        if (ScoreCamChannels is < 1 or > 100_000) throw new ArgumentException($"--scorecam-channels {ScoreCamChannels} must be between 1 and 100000.");
    }
}
