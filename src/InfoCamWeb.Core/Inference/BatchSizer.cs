using System.Globalization;
using System.Numerics;
using InfoCamWeb.Core.Models;

namespace InfoCamWeb.Core.Inference;

/// <summary>The batch size a run uses and how it was decided (shown with the result).</summary>
public sealed record BatchChoice(int Size, string How)
{
    public override string ToString() => $"batch {Size} ({How})";
}

/// <summary>
/// Chooses the batch size when the user gives none. On the CPU, 16: a larger batch is no faster there (convolutions
/// already use every core on one image) and only delays the first results. On CUDA, from the model's memory: the
/// device memory one more image takes is measured on probe batches of 1 and 4 zero images, and the batch is the
/// largest power of two (at most <see cref="MaxCudaBatch"/>) whose images fit in 80 % of the memory left free; the
/// chosen batch then runs once, halving on an out-of-memory error.
/// </summary>
public static class BatchSizer
{
    public const int CpuBatch = 16;

    public const int MaxCudaBatch = 256;

    /// <summary>Share of the free device memory the batch may take (the rest: fragmentation, other processes).</summary>
    public const double FreeShare = 0.8;

    /// <param name="probe">Runs a batch of that many zero images (throws <see cref="ModelException"/> when it fails).</param>
    /// <param name="minBytesPerImage">A floor for the measured growth: the image's input and output tensors.</param>
    public static BatchChoice Choose(bool cuda, bool dynamicBatch, Action<int> probe, IDeviceMemory? memory, long minBytesPerImage)
    {
        if (!dynamicBatch)
        {
            return new BatchChoice(1, "the model's batch dimension is fixed at 1");
        }
        if (!cuda)
        {
            return new BatchChoice(CpuBatch, "CPU default");
        }
        if (memory?.Read() is not { } start)
        {
            return new BatchChoice(CpuBatch, $"automatic sizing unavailable: {memory?.Unavailable ?? "no device memory reader"}");
        }
        probe(1);
        var one = memory.Read() ?? start;
        try
        {
            probe(4);
        }
        catch (ModelException ex) when (ex.OutOfMemory)
        {
            return new BatchChoice(Confirm(2, probe), "automatic: a batch of 4 did not fit the device's memory");
        }
        var four = memory.Read() ?? one;
        long perImage = Math.Max(minBytesPerImage, (one.Free - four.Free) / 3);
        long fits = 4 + (long)(four.Free * FreeShare) / perImage;
        int size = 1 << BitOperations.Log2((uint)Math.Clamp(fits, 1, MaxCudaBatch));
        size = Confirm(size, probe);
        return new BatchChoice(size, string.Create(CultureInfo.InvariantCulture,
            $"automatic: {perImage / 1048576.0:0.#} MB per image measured, {four.Free >> 20} MB free of {four.Total >> 20} MB"));
    }

    /// <summary>Runs the batch once; halves it while the device runs out of memory.</summary>
    private static int Confirm(int size, Action<int> probe)
    {
        while (true)
        {
            try
            {
                probe(size);
                return size;
            }
            catch (ModelException ex) when (ex.OutOfMemory && size > 1)
            {
                size /= 2;
            }
        }
    }
}
