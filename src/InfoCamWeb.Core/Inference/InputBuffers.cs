using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InfoCamWeb.Core.Inference;

/// <summary>
/// One batch's input tensor (NCHW floats), written by the decoding threads and bound as the model's input. Managed
/// (a pooled <c>float[]</c>) on the CPU; on CUDA a block of page-locked host memory, which the GPU reads by DMA.
/// </summary>
public abstract class InputBuffer
{
    /// <summary>Floats this buffer holds (at least what was asked for).</summary>
    public abstract int Capacity { get; }

    /// <summary>The whole buffer; slots are written from several threads, each its own range.</summary>
    public abstract Span<float> Span { get; }

    /// <summary>An ONNX Runtime tensor over the first elements of the buffer (no copy). Dispose it before the buffer goes back.</summary>
    internal abstract OrtValue Bind(long[] shape, long length);
}

/// <summary>Where a batch's input lives between decoding and inference.</summary>
public abstract class InputBufferPool : IDisposable
{
    /// <summary>What the buffers are (shown with the provider).</summary>
    public abstract string Description { get; }

    /// <summary>A buffer of at least <paramref name="floats"/> floats, its contents undefined.</summary>
    public abstract InputBuffer Rent(int floats);

    public abstract void Return(InputBuffer buffer);

    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>Managed arrays from <see cref="ArrayPool{T}.Shared"/>: the CPU's input, and the fallback everywhere.</summary>
public sealed class ManagedInputPool : InputBufferPool
{
    public static ManagedInputPool Shared { get; } = new();

    public override string Description => "managed input buffers";

    public override InputBuffer Rent(int floats) => new Managed(ArrayPool<float>.Shared.Rent(floats));

    public override void Return(InputBuffer buffer) => ArrayPool<float>.Shared.Return(((Managed)buffer).Array);

    /// <summary>Wraps an array the caller owns (returning it to the pool is the caller's business).</summary>
    public static InputBuffer Wrap(float[] array) => new Managed(array);

    private sealed class Managed(float[] array) : InputBuffer
    {
        public float[] Array { get; } = array;

        public override int Capacity => Array.Length;

        public override Span<float> Span => Array;

        internal override OrtValue Bind(long[] shape, long length) =>
            OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Array.AsMemory(0, checked((int)length)), shape);
    }
}

/// <summary>
/// Native blocks from an ONNX Runtime allocator (on CUDA, <c>CudaPinned</c>: page-locked host memory), kept and reused:
/// after the first batches no batch allocates. Blocks are freed when the pool is disposed, which must come after every
/// rented buffer is back and before the session that owns the allocator is disposed.
/// </summary>
public sealed class NativeInputPool : InputBufferPool
{
    private readonly OrtAllocator _allocator;
    private readonly ConcurrentBag<Native> _free = [];
    private readonly ConcurrentBag<Native> _all = [];

    public NativeInputPool(OrtAllocator allocator, string description)
    {
        _allocator = allocator;
        Description = description;
    }

    public override string Description { get; }

    /// <summary>Blocks allocated so far (the pool's size: batches in flight at the busiest moment).</summary>
    public int Allocated => _all.Count;

    /// <summary>Blocks back in the pool, ready for the next batch (all of them between runs).</summary>
    public int Available => _free.Count;

    public override InputBuffer Rent(int floats)
    {
        var kept = new List<Native>();
        try
        {
            while (_free.TryTake(out var block))
            {
                if (block.Capacity >= floats) return block;
                kept.Add(block);
            }
        }
        finally
        {
            foreach (var k in kept) _free.Add(k);
        }
        var allocation = _allocator.Allocate(checked((uint)floats * sizeof(float)));
        var fresh = new Native(allocation, floats);
        _all.Add(fresh);
        return fresh;
    }

    public override void Return(InputBuffer buffer) => _free.Add((Native)buffer);

    public override void Dispose()
    {
        foreach (var block in _all) block.Allocation.Dispose();
        _allocator.Dispose();
        base.Dispose();
    }

    private sealed unsafe class Native(OrtMemoryAllocation allocation, int floats) : InputBuffer
    {
        public OrtMemoryAllocation Allocation { get; } = allocation;

        public override int Capacity { get; } = floats;

        public override Span<float> Span => new((void*)Allocation.DangerousGetHandle(), Capacity);

        internal override OrtValue Bind(long[] shape, long length) =>
            OrtValue.CreateTensorValueWithData(Allocation.Info, TensorElementType.Float, shape, Allocation.DangerousGetHandle(), length * sizeof(float));
    }
}

/// <summary>Where a session's batches come from and its outputs go: <see cref="Note"/> says so when it is not the CPU's plain memory.</summary>
internal sealed record HostBuffers(InputBufferPool Pool, OrtMemoryInfo Outputs, string Note)
{
    /// <summary>
    /// On CUDA, page-locked host memory from the session's <c>CudaPinned</c> allocator for the inputs and the outputs;
    /// managed arrays and plain host memory when the provider has no such allocator (the reason is kept) or on the CPU.
    /// </summary>
    public static HostBuffers For(bool cuda, int device, Func<OrtMemoryInfo, OrtAllocator> allocatorFor)
    {
        if (!cuda)
        {
            return new HostBuffers(ManagedInputPool.Shared, OrtMemoryInfo.DefaultInstance, "");
        }
        var pinned = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA_PINNED, OrtAllocatorType.DeviceAllocator, device, OrtMemType.CpuOutput);
        try
        {
            return new HostBuffers(new NativeInputPool(allocatorFor(pinned), "pinned host memory"), pinned, "inputs and outputs in pinned host memory");
        }
        catch (OnnxRuntimeException ex)
        {
            pinned.Dispose();
            return new HostBuffers(ManagedInputPool.Shared, OrtMemoryInfo.DefaultInstance,
                $"pinned host memory unavailable ({OrtMessages.Clean(ex.Message)}): inputs in managed memory");
        }
    }

    /// <summary>Native buffers from <paramref name="session"/>'s allocator for <paramref name="info"/>, outputs in plain host memory.</summary>
    public static HostBuffers Native(InferenceSession session, OrtMemoryInfo info, string description) =>
        new(new NativeInputPool(new OrtAllocator(session, info), description), OrtMemoryInfo.DefaultInstance, description);
}
