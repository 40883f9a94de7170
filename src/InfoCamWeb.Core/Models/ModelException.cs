namespace InfoCamWeb.Core.Models;

/// <summary>A model the engine cannot use, with a message that says what was found and what to do.</summary>
public sealed class ModelException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Inference ran out of memory (a smaller batch may fit).</summary>
    public bool OutOfMemory { get; init; }
}
