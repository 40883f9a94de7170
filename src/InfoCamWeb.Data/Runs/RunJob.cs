using Hangfire;

namespace InfoCamWeb.Data.Runs;

/// <summary>
/// The job contract: evaluate run N. The web app queues it by id (never by payload) through this interface; only the
/// worker service implements it, so the web process never loads the engine's inference code.
/// </summary>
public interface IRunJob
{
    [AutomaticRetry(Attempts = 3, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Evaluate run {0}")]
    Task Execute(int runId, CancellationToken cancellationToken);
}
