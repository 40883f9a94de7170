using Hangfire;
using Hangfire.States;
using InfoCamWeb.Data.Runs;

namespace InfoCamWeb.Web.Jobs;

/// <summary>Puts run ids on the device queue of the job engine (Hangfire); the worker process executes them in order.</summary>
public sealed class RunQueue(IBackgroundJobClient client)
{
    public string Enqueue(int runId, string device) =>
        client.Create<IRunJob>(j => j.Execute(runId, CancellationToken.None), new EnqueuedState(device));

    public bool Delete(string jobId) => client.Delete(jobId);
}
