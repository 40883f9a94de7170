using System.Buffers;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using InfoCamWeb.Core.Diagnostics;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Inference;
using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Evaluation;

/// <summary>The three overlapping stages: decoding and preprocessing, inference, and what consumes the model's outputs.</summary>
public sealed partial class Evaluator
{
    /// <summary>A decoded batch; <paramref name="Masks"/> holds each image's mask ground truth (null entries for box datasets).</summary>
    /// <param name="Tensor">Rented from the pipeline's input pool: the first <c>Indices.Length</c> images are the batch.</param>
    private sealed record Prepared(int[] Indices, InputBuffer Tensor, Box[][] Truth, byte[]?[] Masks, double Decode, double Preprocess, string[] Skipped);

    private sealed record Inferred(Prepared Batch, InferenceOutput Output);

    /// <summary>CPU seconds of decoding and preprocessing (summed over the threads that decode), inference's wall seconds, and the images skipped as undecodable.</summary>
    private sealed record PipelineTimes(double Decode, double Preprocess, double Inference, List<string> Skipped);

    /// <summary>One image of a batch: its ground truth and stage times, or why it was skipped, or the error that stops the run.</summary>
    private sealed record PreparedImage(Box[]? Truth, byte[]? Mask, double Decode, double Preprocess, string? Skipped = null, Exception? Error = null)
    {
        public static PreparedImage Failed(Exception error) => new(null, null, 0, 0, Error: error);

        public static PreparedImage SkippedAs(string message) => new(null, null, 0, 0, Skipped: message);
    }

    /// <summary>
    /// Runs <paramref name="todo"/> through decoding, <paramref name="infer"/> and <paramref name="consume"/>, each stage on
    /// its own task with at most two batches waiting between stages. <paramref name="consume"/> works on a batch (on the
    /// thread pool; with <paramref name="overlap"/> 2, overlapping the next batch's work) and returns what must then happen
    /// in split order. Cancellation from outside also calls
    /// <paramref name="terminate"/> (it stops a batch inside ONNX Runtime); the stages' own stop leaves the engine usable.
    /// </summary>
    private async Task<PipelineTimes> PipelineAsync(
        int[] todo, int batchSize, InputBufferPool inputs, Func<Prepared, InferenceOutput> infer, Func<Inferred, CancellationToken, Action> consume, Action terminate,
        int overlap, CancellationToken cancellationToken)
    {
        if (overlap > 1) EnsurePoolThreads();
        var prepared = Channel.CreateBounded<Prepared>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var inferred = Channel.CreateBounded<Inferred>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ct = cts.Token;
        var registration = cancellationToken.Register(terminate);
        double decode = 0, preprocess = 0, inference = 0;
        var skipped = new List<string>();

        var decodeTask = Task.Run(async () =>
        {
            try
            {
                for (int start = 0; start < todo.Length; start += batchSize)
                {
                    ct.ThrowIfCancellationRequested();
                    var batch = Prepare(todo.AsSpan(start, Math.Min(batchSize, todo.Length - start)).ToArray(), inputs, ct);
                    // Batches are decoded one after another: their skipped images go to the list in split order, also
                    // those of a batch that had nothing left to infer.
                    skipped.AddRange(batch.Skipped);
                    if (batch.Indices.Length == 0)
                    {
                        inputs.Return(batch.Tensor);
                        continue;
                    }
                    try
                    {
                        await prepared.Writer.WriteAsync(batch, ct).ConfigureAwait(false);
                    }
                    catch
                    {
                        inputs.Return(batch.Tensor);
                        throw;
                    }
                }
                prepared.Writer.Complete();
            }
            catch (Exception ex)
            {
                prepared.Writer.Complete(ex);
            }
        }, ct);

        var inferTask = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in prepared.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                {
                    try
                    {
                        var sw = Stopwatch.StartNew();
                        var output = infer(batch);
                        inference += sw.Elapsed.TotalSeconds;
                        await inferred.Writer.WriteAsync(new Inferred(batch, output), ct).ConfigureAwait(false);
                    }
                    catch
                    {
                        inputs.Return(batch.Tensor);
                        throw;
                    }
                }
                inferred.Writer.Complete();
            }
            catch (Exception ex)
            {
                inferred.Writer.Complete(ex);
            }
        }, ct);

        try
        {
            (decode, preprocess) = await ConsumeAsync(inferred.Reader, inputs, consume, overlap, ct).ConfigureAwait(false);
            await Task.WhenAll(decodeTask, inferTask).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        finally
        {
            registration.Dispose();
            cts.Cancel();
            try { await Task.WhenAll(decodeTask, inferTask).ConfigureAwait(false); } catch { /* reported above */ }
            // Batches a stopped run left between the stages go back to the pool (pinned memory on CUDA).
            while (prepared.Reader.TryRead(out var waiting)) inputs.Return(waiting.Tensor);
            while (inferred.Reader.TryRead(out var done)) inputs.Return(done.Batch.Tensor);
        }
        return new PipelineTimes(decode, preprocess, inference, skipped);
    }

    /// <summary>
    /// With two batches localized at once, up to three parallel loops run together (decoding a batch, localizing two), each on up to <see cref="Parallelism"/>
    /// pool threads, and a loop's calling thread waits for its last items. With the pool's default minimum (one thread
    /// per core) such a wait left a core idle until the pool added a thread: 2 cores kept 1.80-1.90 busy instead of 1.93
    /// (<c>infocam bench --post-only</c>'s busy cores). The minimum is only raised, never lowered.
    /// </summary>
    private void EnsurePoolThreads()
    {
        int needed = 3 * Parallelism + 1;
        lock (PoolMinimum) // evaluators of several worker threads: a read-then-set must not lower another's minimum
        {
            ThreadPool.GetMinThreads(out int workers, out int io);
            if (workers < needed) ThreadPool.SetMinThreads(needed, io);
        }
    }

    private static readonly Lock PoolMinimum = new();

    /// <summary>
    /// The last stage, up to <paramref name="overlap"/> batches in flight. With two, batch n+1's work starts before batch
    /// n's is finished, so that the cores neither idle while a batch's last images finish nor while batch n's in-order
    /// part runs on this thread (counting its outcomes): what keeps the cores busy when inference runs elsewhere (a GPU,
    /// the post-only benchmark). When ONNX Runtime's threads share the cores, one batch at a time leaves them room
    /// (two cost the demo CNN 10 % end to end on 2 cores). The in-order parts run in split order. Every batch's input goes back to the pool, also when the run stops.
    /// Returns the CPU seconds of decoding and preprocessing of the batches consumed.
    /// </summary>
    private static async Task<(double Decode, double Preprocess)> ConsumeAsync(
        ChannelReader<Inferred> reader, InputBufferPool inputs, Func<Inferred, CancellationToken, Action> consume, int overlap, CancellationToken ct)
    {
        double decode = 0, preprocess = 0;
        var inFlight = new Queue<(Inferred Item, Task<Action> Work)>(overlap);
        bool finishing = false;
        try
        {
            await foreach (var item in reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                decode += item.Batch.Decode;
                preprocess += item.Batch.Preprocess;
                inFlight.Enqueue((item, overlap == 1 ? Inline(consume, item, ct) : Task.Run(() => consume(item, ct), ct)));
                finishing = true;
                if (inFlight.Count >= overlap) await FinishAsync(inFlight.Dequeue(), inputs).ConfigureAwait(false);
                finishing = false;
            }
            while (inFlight.Count > 0) await FinishAsync(inFlight.Dequeue(), inputs).ConfigureAwait(false);
        }
        catch when (!finishing && !ct.IsCancellationRequested)
        {
            // An earlier stage failed: the batches already taken are finished in split order first, so that their
            // outcomes are kept and an error of theirs (earlier in split order) is the one reported.
            while (inFlight.Count > 0) await FinishAsync(inFlight.Dequeue(), inputs).ConfigureAwait(false);
            throw;
        }
        finally
        {
            while (inFlight.TryDequeue(out var left))
            {
                try { await left.Work.ConfigureAwait(false); } catch { /* the run already stops with the first error */ }
                inputs.Return(left.Item.Batch.Tensor);
            }
        }
        return (decode, preprocess);
    }

    /// <summary>One batch at a time: the work runs on this thread, its failure kept in the task as Task.Run would.</summary>
    private static Task<Action> Inline(Func<Inferred, CancellationToken, Action> consume, Inferred item, CancellationToken ct)
    {
        try
        {
            return Task.FromResult(consume(item, ct));
        }
        catch (Exception ex)
        {
            return Task.FromException<Action>(ex);
        }
    }

    private static async Task FinishAsync((Inferred Item, Task<Action> Work) batch, InputBufferPool inputs)
    {
        try
        {
            var inOrder = await batch.Work.ConfigureAwait(false);
            inOrder();
        }
        finally
        {
            inputs.Return(batch.Item.Batch.Tensor);
        }
    }

    /// <summary>
    /// Decodes and preprocesses a batch on all cores. What happens to one image does not depend on the others: skipped
    /// images are listed, and an error stops the run, in split order whatever order the threads finish in.
    /// </summary>
    private Prepared Prepare(int[] indices, InputBufferPool inputs, CancellationToken ct)
    {
        int length = 3 * _pre.InputSize * _pre.InputSize;
        var tensor = inputs.Rent(indices.Length * length);
        var images = new PreparedImage[indices.Length];
        try
        {
            Parallel.For(0, indices.Length, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct },
                i => images[i] = PrepareOne(Images[indices[i]], tensor.Span.Slice(i * length, length)));
        }
        catch (Exception ex)
        {
            inputs.Return(tensor);
            if (ex is AggregateException all) ExceptionDispatchInfo.Throw(all.InnerExceptions[0]);
            throw;
        }
        if (images.FirstOrDefault(p => p.Error is not null) is { Error: { } error })
        {
            inputs.Return(tensor);
            ExceptionDispatchInfo.Throw(error);
        }
        return Compact(indices, images, tensor, length);
    }

    /// <summary>The batch without its skipped images: their tensor slots closed up, everything else in split order.</summary>
    private static Prepared Compact(int[] indices, PreparedImage[] images, InputBuffer tensor, int length)
    {
        var kept = new List<int>(images.Length);
        for (int i = 0; i < images.Length; i++)
        {
            if (images[i].Skipped is not null) continue;
            if (kept.Count != i) tensor.Span.Slice(i * length, length).CopyTo(tensor.Span.Slice(kept.Count * length, length));
            kept.Add(i);
        }
        return new Prepared(
            kept.Select(i => indices[i]).ToArray(), tensor, kept.Select(i => images[i].Truth!).ToArray(), kept.Select(i => images[i].Mask).ToArray(),
            images.Sum(p => p.Decode), images.Sum(p => p.Preprocess), images.Select(p => p.Skipped).OfType<string>().ToArray());
    }

    /// <summary>Decodes one image into its slot of the batch's tensor and maps its ground truth to the S x S frame.</summary>
    private PreparedImage PrepareOne(ImageRecord record, Span<float> slot)
    {
        var path = _dataset.ImagePath(record);
        long start = CpuClock.Now();
        RgbImage image;
        try
        {
            image = _decoder.Decode(path, ArrayPool<byte>.Shared);
        }
        catch (ImageDecodeException ex)
        {
            var message = $"{record.Where}: '{record.RelativePath}' {ex.Message.Replace(path + ": ", "")}";
            return _settings.SkipBadImages ? PreparedImage.SkippedAs(message) : PreparedImage.Failed(new EvaluationException(message, ex));
        }
        catch (Exception ex)
        {
            return PreparedImage.Failed(ex);
        }
        long decoded = CpuClock.Now();
        try
        {
            var (truth, mask) = Preprocess(record, image, slot);
            return new PreparedImage(truth, mask, CpuClock.Seconds(start, decoded), CpuClock.Seconds(decoded, CpuClock.Now()));
        }
        catch (Exception ex)
        {
            // Any failure stops the run; kept with the image so that the first in split order is the one reported.
            return PreparedImage.Failed(ex);
        }
        finally
        {
            image.Release();
        }
    }

    private (Box[] Truth, byte[]? Mask) Preprocess(ImageRecord record, RgbImage image, Span<float> slot)
    {
        int size = _pre.InputSize;
        if (record.Width is int w && record.Height is int h && (w != image.Width || h != image.Height))
        {
            throw new EvaluationException(
                $"image {record.Id} ({record.RelativePath}): {record.SizeSource} gives {w}x{h} but the file is {image.Width}x{image.Height}.");
        }
        if (record.Width is null && record.OutsideBox(image.Width, image.Height) is { } outside)
        {
            throw new EvaluationException(outside.ToString());
        }
        var frame = Preprocessor.ToFrame(image, size, _settings.Protocol, ArrayPool<byte>.Shared);
        Preprocessor.Normalize(frame, _pre, slot);
        frame.Release();
        if (_dataset.HasMasks)
        {
            var mask = LoadMask(record, image, size);
            return (mask.InstanceBoxes, mask.Pixels);
        }
        return (record.Boxes.Select(b => Preprocessor.MapBox(b, image.Width, image.Height, size, _settings.Protocol)).ToArray(), null);
    }

    /// <summary>The image's masks in the S x S frame; a bad mask stops the run with its file and line.</summary>
    private MaskGroundTruth LoadMask(ImageRecord record, RgbImage image, int size)
    {
        try
        {
            return MaskGroundTruth.Load(_dataset, record, image.Width, image.Height, size, _decoder);
        }
        catch (DatasetException ex)
        {
            throw new EvaluationException(ex.Message, ex);
        }
    }
}
