namespace InfoCamWeb.Data.Entities;

/// <summary>A registered dataset (uploaded archive, server folder, or the built-in demo) and its statistics.</summary>
public sealed class DatasetRecord : ITeamOwned
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    /// <summary>The owning team: only its members see a private item; the built-in Baselines team's items are public.</summary>
    public int TeamId { get; set; }
    public Team? Team { get; set; }
    public bool IsDemo { get; set; }

    /// <summary>Absolute folder of the dataset root.</summary>
    public required string Folder { get; set; }

    /// <summary>"upload", "server folder" or "demo".</summary>
    public string Source { get; set; } = "";
    public string Layout { get; set; } = "";
    public int Images { get; set; }
    public int Classes { get; set; }
    public int TestImages { get; set; }
    public int TrainImages { get; set; }
    public int Boxes { get; set; }

    /// <summary>Images in wsolevaluation's val/ split; null for datasets registered before it was counted (then read from the annotations).</summary>
    public int? ValImages { get; set; }

    /// <summary>Instance masks (OpenImages-style mask ground truth); 0 for box datasets.</summary>
    public int Masks { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public List<RunRecord> Runs { get; set; } = new();
}
