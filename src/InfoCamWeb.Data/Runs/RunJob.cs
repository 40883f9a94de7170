using Hangfire;

namespace InfoCamWeb.Data.Runs;

/// <summary>The Hangfire job: evaluate run N. Queued by id, never by payload; executed by the worker process.</summary>
public sealed class RunJob(RunExecutor executor)
{
    [AutomaticRetry(Attempts = 3, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Evaluate run {0}")]
    public Task Execute(int runId, CancellationToken cancellationToken) => executor.ExecuteAsync(runId, cancellationToken);
}
