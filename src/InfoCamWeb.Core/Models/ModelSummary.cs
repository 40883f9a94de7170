namespace InfoCamWeb.Core.Models;

/// <summary>What a model inspection found, as plain values (the JSON of <c>infocam inspect --json</c>).</summary>
public sealed record ModelSummary(
    string Sha256,
    long SizeBytes,
    string Producer,
    long Opset,
    string InputName,
    string InputShape,
    bool DynamicBatch,
    int? FixedInputSize,
    string HeadPattern,
    string FeatureTensor,
    string FeatureShape,
    string WeightSource,
    int Classes,
    int Channels,
    double ProbeMaxLogitError)
{
    public static ModelSummary From(LoadedModel m) => new(
        m.Sha256, m.SizeBytes, m.Producer, m.Opset, m.Head.InputName, m.Head.InputShapeText, m.Head.DynamicBatch,
        m.Head.FixedInputSize, m.Head.Pattern, m.Head.FeatureTensor, m.Head.FeatureShapeText, m.Head.WeightSource,
        m.Head.Classes, m.Head.Channels, m.Head.ProbeMaxLogitError);
}

/// <summary>
/// What the worker's inspect mode answers on standard output, as one JSON record: the model's summary, or the reason it
/// is refused. A crash of the inspector is told by its exit code, never by parsing text.
/// </summary>
public sealed record InspectionReport(ModelSummary? Model, string? Refusal);
