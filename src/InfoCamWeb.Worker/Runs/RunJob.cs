using InfoCamWeb.Data.Runs;

namespace InfoCamWeb.Worker.Runs;

/// <summary>The worker's implementation of the queued job: hands the run to the executor.</summary>
public sealed class RunJob(RunExecutor executor) : IRunJob
{
    public Task Execute(int runId, CancellationToken cancellationToken) => executor.ExecuteAsync(runId, cancellationToken);
}
