using Hangfire;

namespace InfoCamWeb.Data.Runs;

/// <summary>
/// The job contract: evaluate shard S of run N, or compute run N's result from its saved outcomes. The web app queues
/// these by id (never by payload) through this interface; only the worker service implements it, so the web process
/// never loads the engine's inference code. Both are idempotent: a shard that is done or held by a live worker, or a
/// run that has its result, is left as it is.
/// </summary>
public interface IRunJob
{
    [AutomaticRetry(Attempts = 3, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Evaluate run {0}, shard {1}")]
    Task Execute(int runId, int shard, CancellationToken cancellationToken);

    [AutomaticRetry(Attempts = 3, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Compute the result of run {0}")]
    Task Finalize(int runId, CancellationToken cancellationToken);
}
