namespace InfoCamWeb.Core.Cams;

/// <summary>
/// The linear classifier that follows the global average pooling: weights <c>W</c> (C x K, row-major). A fully
/// convolutional classifier (1x1 conv before the pooling) is the identity over its C per-class maps.
/// </summary>
public sealed class Classifier
{
    private readonly float[] _weights;
    private readonly float[]? _bias;
    private readonly double[] _columnSums;

    public Classifier(int classes, int channels, float[] weights, float[]? bias, bool isIdentity = false)
    {
        if (classes < 2)
        {
            throw new ArgumentException($"A classifier needs at least 2 classes, found {classes}.", nameof(classes));
        }
        if (weights.Length != classes * channels)
        {
            throw new ArgumentException($"Weights hold {weights.Length} values, expected {classes} x {channels}.", nameof(weights));
        }
        if (bias is not null && bias.Length != classes)
        {
            throw new ArgumentException($"Bias holds {bias.Length} values, expected {classes}.", nameof(bias));
        }
        Classes = classes;
        Channels = channels;
        _weights = weights;
        _bias = bias;
        IsIdentity = isIdentity;
        _columnSums = new double[channels];
        for (int c = 0; c < classes; c++)
        {
            for (int k = 0; k < channels; k++)
            {
                _columnSums[k] += weights[c * channels + k];
            }
        }
    }

    public static Classifier Identity(int classes)
    {
        var w = new float[classes * classes];
        for (int c = 0; c < classes; c++)
        {
            w[c * classes + c] = 1f;
        }
        return new Classifier(classes, classes, w, null, isIdentity: true);
    }

    public int Classes { get; }

    public int Channels { get; }

    public bool IsIdentity { get; }

    public ReadOnlySpan<float> Row(int c) => _weights.AsSpan(c * Channels, Channels);

    public ReadOnlySpan<float> Bias => _bias;

    /// <summary>Sum over classes of each weight column, for the mean of the other classes.</summary>
    internal ReadOnlySpan<double> ColumnSums => _columnSums;

    /// <summary>Logits from pooled features: <c>W * pooled + b</c>.</summary>
    public void Logits(ReadOnlySpan<double> pooled, Span<double> logits)
    {
        for (int c = 0; c < Classes; c++)
        {
            var row = Row(c);
            double s = _bias is null ? 0 : _bias[c];
            for (int k = 0; k < Channels; k++)
            {
                s += row[k] * pooled[k];
            }
            logits[c] = s;
        }
    }
}
