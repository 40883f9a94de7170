namespace InfoCamWeb.Web.Jobs;

/// <summary>An in-memory doorbell: pages subscribe, then read the run's state from the database when it rings.</summary>
public sealed class RunNotifier
{
    public event Action<int>? RunChanged;

    public void Notify(int runId) => RunChanged?.Invoke(runId);
}
