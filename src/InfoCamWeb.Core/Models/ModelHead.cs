using InfoCamWeb.Core.Cams;

namespace InfoCamWeb.Core.Models;

/// <summary>Names given by hand when the head is not one of the recognised patterns.</summary>
public sealed record HeadOverrides
{
    /// <summary>The tensor that enters the global average pooling (K x h x w per image).</summary>
    public string? FeatureTensor { get; init; }

    /// <summary>The initializer holding the classifier weights (C x K, K x C, or C x K x 1 x 1).</summary>
    public string? WeightInitializer { get; init; }

    /// <summary>The initializer holding the classifier bias (optional).</summary>
    public string? BiasInitializer { get; init; }

    public bool Any => FeatureTensor is not null || WeightInitializer is not null || BiasInitializer is not null;
}

/// <summary>What the engine found in a model: where the feature map is, how the classifier is built, and the input.</summary>
public sealed record ModelHead(
    string Pattern,
    string InputName,
    long[] InputShape,
    string FeatureTensor,
    long[] FeatureShape,
    string LogitsTensor,
    Classifier Classifier,
    string WeightSource,
    double ProbeMaxLogitError)
{
    public int Classes => Classifier.Classes;

    public int Channels => Classifier.Channels;

    public bool DynamicBatch => InputShape[0] <= 0;

    /// <summary>The input size when the model fixes it (square), else null.</summary>
    public int? FixedInputSize => InputShape[2] > 0 && InputShape[2] == InputShape[3] ? (int)InputShape[2] : null;

    public string InputShapeText => "[" + string.Join(", ", InputShape.Select(d => d <= 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";

    public string FeatureShapeText => "[" + string.Join(", ", FeatureShape.Select(d => d <= 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
