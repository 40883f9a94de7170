using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;

namespace InfoCamWeb.Core.Tests.Datasets;

public class ImageSubsetTests
{
    [Theory]
    // FNV-1a 32-bit: "a" = 0xE40C292C = 3826002220, "foobar" = 0xBF9CF968 = 3214735720 (the published test vectors), then mod 100.
    [InlineData("a", 20)]
    [InlineData("foobar", 20)]
    [InlineData("001.Black_footed_Albatross/Black_Footed_Albatross_0046_18.jpg", 45)]
    [InlineData("é", 17)] // two UTF-8 bytes: 0xC3 0xA9 -> 513665217
    public void An_image_bucket_is_fnv1a_of_its_utf8_id_modulo_100(string id, int bucket)
    {
        Assert.Equal(bucket, ImageSubset.Bucket(id));
    }

    [Fact]
    public void A_development_part_and_a_final_part_split_the_images_without_sharing_one()
    {
        var dataset = DatasetLoader.Load(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-cub"));
        var test = dataset.Select(DatasetSplit.Test);
        var development = new ImageSubset(0, 30).Of(test);
        var final = new ImageSubset(30, 100).Of(test);

        Assert.Equal(test.Count, development.Count + final.Count);
        Assert.Empty(development.Select(i => i.Id).Intersect(final.Select(i => i.Id)));
        Assert.All(development, i => Assert.InRange(ImageSubset.Bucket(i.Id), 0, 29));
        Assert.InRange(development.Count, test.Count / 5, test.Count * 2 / 5); // about 30 %
        Assert.Equal(test.Select(i => i.Id), ImageSubset.Whole.Of(test).Select(i => i.Id));
    }

    [Fact]
    public void Settings_with_a_subset_evaluate_its_images_in_split_order()
    {
        var dataset = DatasetLoader.Load(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-cub"));
        var settings = new EvaluationSettings { Split = DatasetSplit.Test, Subset = new ImageSubset(30, 100) };
        var expected = dataset.Select(DatasetSplit.Test).Where(i => ImageSubset.Bucket(i.Id) >= 30).Select(i => i.Id);
        Assert.Equal(expected, settings.ImagesOf(dataset).Select(i => i.Id));
    }

    [Theory]
    [InlineData(-1, 50)]
    [InlineData(50, 50)]
    [InlineData(0, 101)]
    public void Bounds_outside_0_to_100_or_an_empty_part_are_refused_with_both_bounds(int from, int to)
    {
        var ex = Assert.Throws<ArgumentException>(() => new EvaluationSettings { Subset = new ImageSubset(from, to) }.Validate());
        Assert.Contains($"[{from}, {to})", ex.Message);
    }
}
