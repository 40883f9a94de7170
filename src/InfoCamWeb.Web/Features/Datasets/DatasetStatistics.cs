using System.Globalization;
using InfoCamWeb.Core.Datasets;

namespace InfoCamWeb.Web.Features.Datasets;

/// <summary>Box (or instance mask) and size statistics of a dataset (min, median, max), for its page.</summary>
public sealed record DatasetStatistics(DatasetStatistics.Spread PerImage, DatasetStatistics.Spread AreaShare, DatasetStatistics.Spread Width, DatasetStatistics.Spread Height, bool SizesFromHeaders)
{
    public sealed record Spread(string Min, string Median, string Max)
    {
        public static Spread Of(IEnumerable<double> values, string format = "0.#")
        {
            var sorted = values.Order().ToArray();
            if (sorted.Length == 0) return new Spread("—", "—", "—");
            string F(double v) => v.ToString(format, CultureInfo.InvariantCulture);
            return new Spread(F(sorted[0]), F(sorted[sorted.Length / 2]), F(sorted[^1]));
        }
    }

    public static DatasetStatistics Of(Dataset ds)
    {
        var sized = ds.Images.Where(i => i.Width is not null && i.Height is not null).ToList();
        return new DatasetStatistics(
            Spread.Of(ds.Images.Select(i => (double)(i.Boxes.Count + i.Masks.Count)), "0"),
            Spread.Of(sized.SelectMany(i => i.Boxes.Select(b => 100.0 * (b.X1 - b.X0) * (b.Y1 - b.Y0) / (i.Width!.Value * (double)i.Height!.Value)))),
            Spread.Of(sized.Select(i => (double)i.Width!.Value), "0"),
            Spread.Of(sized.Select(i => (double)i.Height!.Value), "0"),
            sized.Count < ds.Images.Count);
    }
}
