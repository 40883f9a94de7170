using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Evaluation;

/// <summary>
/// Everything a run keeps of one image; metrics are sums over these, so a run can be resumed from stored outcomes
/// without counting an image twice (keyed by <see cref="Index"/> within the split).
/// </summary>
public sealed record ImageOutcome(
    int Index,
    string ImageId,
    int TrueClass,
    int PredictedClass,
    bool Top5,
    double CrossEntropy,
    double PcLogRatio,
    Box[] TruthBoxes,
    MapOutcome[] Methods)
{
    /// <summary>
    /// Each method's score map at feature resolution (before upsampling), for heatmap display; not part of the metrics
    /// and not encoded by <see cref="OutcomeCodec"/> (see <see cref="ScoreMapCodec"/>).
    /// </summary>
    public RawScoreMap[] Maps { get; init; } = [];

    /// <summary>
    /// The five highest-scoring classes (fewer when the model has fewer), highest first with ties to the lower index,
    /// and their softmax probabilities; for the image detail view, not part of the metrics.
    /// </summary>
    public ClassScore[] TopClasses { get; init; } = [];
}

/// <summary>A class index and its softmax probability.</summary>
public readonly record struct ClassScore(int Class, double Probability);

/// <summary>A score map at feature resolution, row-major.</summary>
public sealed record RawScoreMap(int Height, int Width, float[] Values);
