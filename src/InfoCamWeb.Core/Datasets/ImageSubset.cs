using System.Text;

namespace InfoCamWeb.Core.Datasets;

/// <summary>
/// A fixed part of a split: the images whose bucket, FNV-1a (32 bit) of the UTF-8 image id modulo 100, lies in
/// [<see cref="From"/>, <see cref="To"/>). Buckets depend on the image alone, so a benchmark's development part
/// ([0, 30)) and final part ([30, 100)) never share an image, whatever order or split the annotations list them in.
/// </summary>
public sealed record ImageSubset(int From, int To)
{
    public static readonly ImageSubset Whole = new(0, 100);

    public bool IsWhole => From == 0 && To == 100;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bounds when they do not describe a non-empty part of 0..100.</summary>
    public void Validate()
    {
        if (From < 0 || To > 100 || From >= To)
        {
            throw new ArgumentException($"The image subset [{From}, {To}) must satisfy 0 <= from < to <= 100 (percent buckets).");
        }
    }

    public bool Contains(string imageId) => Bucket(imageId) is var b && b >= From && b < To;

    /// <summary>The images of <paramref name="images"/> in the subset, in their order.</summary>
    public IReadOnlyList<ImageRecord> Of(IReadOnlyList<ImageRecord> images) => IsWhole ? images : images.Where(i => Contains(i.Id)).ToList();

    /// <summary>FNV-1a 32-bit (offset basis 2166136261, prime 16777619) of the id's UTF-8 bytes, modulo 100.</summary>
    public static int Bucket(string imageId)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(imageId))
        {
            hash = unchecked((hash ^ b) * 16777619);
        }
        return (int)(hash % 100);
    }

    public override string ToString() => IsWhole ? "all images" : $"buckets {From}-{To - 1} of 100";
}
