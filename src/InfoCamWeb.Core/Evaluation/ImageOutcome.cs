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
    MapOutcome[] Methods);
