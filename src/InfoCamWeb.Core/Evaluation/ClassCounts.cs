using InfoCamWeb.Core.Datasets;

namespace InfoCamWeb.Core.Evaluation;

/// <summary>
/// Whether a dataset's labels fit a model: output i is the class labelled i (wsolevaluation) or i + 1 (CUB), so a dataset
/// may use any subset of the model's classes, contiguous or not, and top-1 is taken over all outputs, as wsolevaluation
/// does. Only a label the model has no output for is refused.
/// </summary>
public static class ClassCounts
{
    /// <summary>Null when every image's class is one of the model's outputs; else the first image that is not, by file and line.</summary>
    public static string? Refusal(int modelOutputs, Dataset dataset)
    {
        var beyond = dataset.Images.Where(i => i.ClassIndex >= modelOutputs).ToList();
        if (beyond.Count == 0)
        {
            return null;
        }
        var first = beyond[0];
        var others = beyond.Count > 1 ? $" ({beyond.Count - 1} more image(s) have labels beyond it too)" : "";
        return $"{first.LabelWhere}: label {dataset.LabelOf(first.ClassIndex)} is model output {first.ClassIndex}, but the model has " +
            $"{modelOutputs} outputs ({dataset.LabelOf(0)}..{dataset.LabelOf(modelOutputs - 1)} in the dataset's labels){others}. " +
            "Choose a model trained on these classes, or leave those images out of the dataset.";
    }

    /// <summary>"uses 2 of the model's 8 classes" for a subset; "uses all 8 of the model's classes" otherwise.</summary>
    public static string Usage(int used, int modelOutputs) => used >= modelOutputs
        ? $"uses all {modelOutputs} of the model's classes"
        : $"uses {used} of the model's {modelOutputs} classes";
}
