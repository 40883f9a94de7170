namespace InfoCamWeb.Web.Jobs;

/// <summary>An active run as the dispatcher sees it: its shards not yet given to the queue, and its shards in flight.</summary>
public sealed record RunDemand(int RunId, int TeamId, DateTimeOffset QueuedAt, IReadOnlyList<int> Waiting, int InFlight);

/// <summary>
/// Chooses which shards go to the job queue next, so that one team's 50,000-image run does not starve everyone else's:
/// each shard goes to the team with the fewest shards in flight (queued or running), ties to the team whose run has waited
/// longest; within a team, runs keep their order (a team's first run finishes before its second starts). The queue is
/// kept short (about one shard per worker), so a run created later is interleaved within a shard or two.
/// </summary>
public static class ShardScheduler
{
    public static IReadOnlyList<(int RunId, int Shard)> Next(IReadOnlyList<RunDemand> runs, int slots)
    {
        var waiting = runs.ToDictionary(r => r.RunId, r => new Queue<int>(r.Waiting));
        var teamInFlight = runs.GroupBy(r => r.TeamId).ToDictionary(g => g.Key, g => g.Sum(r => r.InFlight));
        var order = runs.OrderBy(r => r.QueuedAt).ThenBy(r => r.RunId).ToList();
        var picked = new List<(int, int)>();
        while (picked.Count < slots)
        {
            var next = order.Where(r => waiting[r.RunId].Count > 0)
                .GroupBy(r => r.TeamId)
                .Select(g => g.First()) // the team's oldest run that has shards waiting
                .OrderBy(r => teamInFlight[r.TeamId]).ThenBy(r => r.QueuedAt).ThenBy(r => r.RunId)
                .FirstOrDefault();
            if (next is null) break;
            picked.Add((next.RunId, waiting[next.RunId].Dequeue()));
            teamInFlight[next.TeamId]++;
        }
        return picked;
    }
}
