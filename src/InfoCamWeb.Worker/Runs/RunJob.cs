using InfoCamWeb.Data.Runs;

namespace InfoCamWeb.Worker.Runs;

/// <summary>The worker's implementation of the queued jobs: a shard goes to the executor, a result to the finalizer.</summary>
public sealed class RunJob(ShardExecutor executor, RunFinalizer finalizer) : IRunJob
{
    public Task Execute(int runId, int shard, CancellationToken cancellationToken) => executor.ExecuteAsync(runId, shard, cancellationToken);

    public Task Finalize(int runId, CancellationToken cancellationToken) => finalizer.FinalizeAsync(runId, cancellationToken);
}
