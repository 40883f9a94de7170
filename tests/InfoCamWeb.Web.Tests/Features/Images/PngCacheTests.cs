using InfoCamWeb.Web.Features.Images;

namespace InfoCamWeb.Web.Tests.Features.Images;

public class PngCacheTests
{
    [Fact]
    public void Pruning_deletes_the_files_written_longest_ago_until_the_cache_is_under_four_fifths_of_its_cap()
    {
        var folder = Path.Combine(Path.GetTempPath(), "infocam-cache-" + Guid.NewGuid().ToString("N"));
        try
        {
            var now = new DateTime(2026, 11, 28, 12, 0, 0, DateTimeKind.Utc);
            // Ten files of 100 bytes, file i written i minutes before now; a cap of 600 bytes keeps the newest 4 (400 <= 480).
            for (int i = 0; i < 10; i++)
            {
                var path = Path.Combine(folder, $"run{i % 2}", $"{i}.png");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, new byte[100]);
                File.SetLastWriteTimeUtc(path, now.AddMinutes(-i));
            }
            var staleTmp = Path.Combine(folder, "run0", "x.png.abc.tmp");
            File.WriteAllBytes(staleTmp, new byte[10]);
            File.SetLastWriteTimeUtc(staleTmp, now.AddHours(-2));

            Assert.Equal(7, PngCache.Prune(folder, 600, now));
            var left = Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Select(p => Path.GetFileName(p)).Order().ToArray();
            Assert.Equal(new[] { "0.png", "1.png", "2.png", "3.png" }, left);
            Assert.Equal(0, PngCache.Prune(folder, 600, now));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
