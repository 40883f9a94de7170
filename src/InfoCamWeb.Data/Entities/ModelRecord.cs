namespace InfoCamWeb.Data.Entities;

/// <summary>An uploaded (or built-in) ONNX model and what the engine found in it.</summary>
public sealed class ModelRecord : ITeamOwned
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    /// <summary>The owning team: only its members see a private item; the built-in Baselines team's items are public.</summary>
    public int TeamId { get; set; }
    public Team? Team { get; set; }
    public bool IsDemo { get; set; }

    /// <summary>Path of the stored file, relative to the data folder (a server-chosen name in its own folder).</summary>
    public required string StoredPath { get; set; }
    public string OriginalFileName { get; set; } = "";
    public required string Sha256 { get; set; }
    public long SizeBytes { get; set; }
    public DateTimeOffset UploadedAt { get; set; }

    public string Producer { get; set; } = "";
    public long Opset { get; set; }
    public string InputName { get; set; } = "";
    public string InputShape { get; set; } = "";
    public bool DynamicBatch { get; set; }
    public string HeadPattern { get; set; } = "";
    public string FeatureTensor { get; set; } = "";
    public string FeatureShape { get; set; } = "";
    public string WeightSource { get; set; } = "";
    public int Classes { get; set; }
    public int Channels { get; set; }

    /// <summary>Preprocessing: square input size, per-channel mean and std ("r,g,b"), channel order.</summary>
    public int InputSize { get; set; } = 224;

    /// <summary>True when the model fixes its input size (it cannot be changed then).</summary>
    public bool InputSizeFixed { get; set; }
    public string Mean { get; set; } = "0.485,0.456,0.406";
    public string Std { get; set; } = "0.229,0.224,0.225";
    public bool Bgr { get; set; }

    /// <summary>Head named by hand (null when detected).</summary>
    public string? FeatureOverride { get; set; }
    public string? WeightOverride { get; set; }
    public string? BiasOverride { get; set; }

    public List<RunRecord> Runs { get; set; } = new();
}
