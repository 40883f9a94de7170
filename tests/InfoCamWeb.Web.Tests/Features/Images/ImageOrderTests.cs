using InfoCamWeb.Data;
using InfoCamWeb.Web.Features.Images;

namespace InfoCamWeb.Web.Tests.Features.Images;

public sealed class ImageOrderTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "image-order-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private ImageOrder OrderIn(string folder) => new(new InfoCamPaths(folder, Path.Combine(folder, "a.db"), Path.Combine(folder, "j.db")));

    [Fact]
    public void The_shuffle_is_a_permutation_far_from_the_split_order_and_the_same_after_a_restart()
    {
        var indices = Enumerable.Range(0, 200).ToArray();
        var shuffled = OrderIn(_folder).Shuffle(7, indices);
        Assert.Equal(indices, shuffled.Order());
        // Consecutive positions rarely hold consecutive indices (CUB's split order groups a class's images together).
        int adjacent = shuffled.Zip(shuffled.Skip(1)).Count(p => Math.Abs(p.First - p.Second) == 1);
        Assert.True(adjacent < 10, $"{adjacent} of 199 neighbouring positions hold neighbouring indices");
        Assert.Equal(32, new FileInfo(Path.Combine(_folder, "keys", "image-order.key")).Length);
        Assert.Equal(shuffled, OrderIn(_folder).Shuffle(7, indices.Reverse()));
        Assert.NotEqual(shuffled, OrderIn(_folder).Shuffle(8, indices));
    }

    [Fact]
    public void Another_server_key_gives_another_order_and_a_damaged_key_file_is_named()
    {
        var indices = Enumerable.Range(0, 50).ToArray();
        var other = Path.Combine(_folder, "other");
        Assert.NotEqual(OrderIn(_folder).Shuffle(1, indices), OrderIn(other).Shuffle(1, indices));
        var key = Path.Combine(other, "keys", "image-order.key");
        File.WriteAllBytes(key, new byte[5]);
        var error = Assert.Throws<InvalidOperationException>(() => OrderIn(other).Shuffle(1, indices));
        Assert.Equal($"{key}: 5 bytes; the image order key is 32 random bytes (delete the file to make a new one).", error.Message);
    }
}
