namespace InfoCamWeb.Core.Evaluation;

/// <summary>The one message for a model and dataset whose class counts differ, saying which side to change and how.</summary>
public static class ClassCounts
{
    /// <summary>Null when the counts agree.</summary>
    public static string? Mismatch(int modelOutputs, int datasetClasses) => modelOutputs == datasetClasses ? null :
        $"The model has {modelOutputs} outputs but the dataset has {datasetClasses} classes; output i must be the dataset's class i. " +
        $"Choose a dataset with {modelOutputs} classes, or a model with {datasetClasses} outputs (one per class, in the order of the dataset's class list).";
}
