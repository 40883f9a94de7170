using InfoCamWeb.Worker.Inspection;

namespace InfoCamWeb.Worker;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // InfoCamWeb.Worker inspect --model M.onnx   checks one uploaded model and exits (the web app starts it per upload)
        if (args.Length > 0 && args[0] == "inspect")
        {
            return InspectMode.Run(args[1..], Console.Out);
        }

        // InfoCamWeb.Worker [--InfoCam:Worker:Device=cpu ...]   the worker service: takes queued runs until stopped
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddWorkerLogging();    // one line per message, Hangfire and EF Core at warnings
        builder.AddWorkerSettings();   // InfoCam section: data folder, databases, device, name, parent process
        builder.AddWorkerData();       // the application database (one DbContext per operation)
        builder.AddWorkerJobs();       // the Hangfire server on this device's queues, the run executor
        using var host = builder.Build();
        await host.RunAsync();
        return 0;
    }
}
