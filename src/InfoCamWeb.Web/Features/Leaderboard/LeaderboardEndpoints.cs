using System.Text.Json;
using InfoCamWeb.Core.Evaluation;

namespace InfoCamWeb.Web.Features.Leaderboard;

/// <summary>Leaderboard exports: /leaderboards/{dataset}/{split}/{protocol}.csv or .json (?metric=&amp;method=&amp;all=).</summary>
public static class LeaderboardEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/leaderboards/{dataset:int}/{split}/{protocol}.{format}", async (int dataset, string split, string protocol, string format,
            string? metric, string? method, bool? all, LeaderboardService boards, CancellationToken ct) =>
        {
            var m = method is not null && LeaderboardService.Methods.Contains(method) ? method : "best";
            var board = await boards.BoardAsync(new BoardKey(dataset, split, protocol), LeaderboardService.ParseMetric(metric), m, all == true, ct);
            if (board is null) return Results.NotFound();
            return format switch
            {
                "csv" => Results.File(System.Text.Encoding.UTF8.GetBytes(LeaderboardService.ToCsv(board.Rows)), "text/csv", $"leaderboard-{dataset}-{split}-{protocol}.csv"),
                "json" => Results.Json(new { dataset = board.DatasetName, split, protocol, metric = board.Metric.ToString(), method = m, rows = board.Rows },
                    new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }),
                _ => Results.NotFound(),
            };
        });
    }
}
