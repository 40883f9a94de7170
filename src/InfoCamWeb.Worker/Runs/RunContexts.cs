using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Inference;
using InfoCamWeb.Core.Models;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Data.Runs;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Worker.Runs;

/// <summary>What a worker needs to evaluate shards of one run: the loaded model and dataset, and one inference session.</summary>
public sealed class RunContext(int runId, Evaluator evaluator, Func<InferenceEngine> newEngine) : IDisposable
{
    private InferenceEngine? _engine;

    public int RunId { get; } = runId;

    public Evaluator Evaluator { get; } = evaluator;

    /// <summary>The session, made on first use (finalizing a run needs none).</summary>
    public InferenceEngine Engine => _engine ??= newEngine();

    public void Dispose() => _engine?.Dispose();
}

/// <summary>
/// Keeps the context of the run whose shards this worker executes, so consecutive shards of a run load the model and the
/// dataset and create the ONNX Runtime session once (creating a CUDA session can take longer than a shard). A worker
/// executes one job at a time; a context is dropped when another run comes, or after anything went wrong with it.
/// </summary>
public sealed class RunContexts(InfoCamPaths paths, IOptions<WorkerSettings> settings) : IDisposable
{
    private RunContext? _current;

    public RunContext For(RunRecord run)
    {
        if (_current?.RunId == run.Id) return _current;
        Drop();
        var spec = RunSpec.FromJson(run.Spec); // every run has one: databases from before specs are refused at start
        var model = ModelLoader.Load(paths.Resolve(run.Model!.StoredPath), spec.Head);
        var dataset = DatasetLoader.Load(paths.FromStored(run.Dataset!.Folder));
        var evaluation = spec.Settings with { CudaDevice = settings.Value.Worker.DeviceSpec.CudaDevice };
        var evaluator = new Evaluator(model, dataset, evaluation);
        if (evaluator.Images.Count != run.ImagesTotal)
        {
            throw new EvaluationException(
                $"The {evaluation.Split.ToString().ToLowerInvariant()} split of '{run.Dataset.Name}' has {evaluator.Images.Count} images now but had {run.ImagesTotal} when the run was queued; the dataset's files changed. Start a new run.");
        }
        _current = new RunContext(run.Id, evaluator, () => new InferenceEngine(model, evaluation.Provider, cudaDevice: evaluation.CudaDevice, allowTf32: evaluation.AllowTf32));
        return _current;
    }

    public void Drop()
    {
        _current?.Dispose();
        _current = null;
    }

    public void Dispose() => Drop();
}
