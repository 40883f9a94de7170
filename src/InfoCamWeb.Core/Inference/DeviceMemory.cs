using System.Runtime.InteropServices;

namespace InfoCamWeb.Core.Inference;

/// <summary>Free and total memory of a device, bytes.</summary>
public readonly record struct MemoryReading(long Free, long Total);

/// <summary>Reads a device's memory; null with <see cref="Unavailable"/> saying why when it cannot.</summary>
public interface IDeviceMemory
{
    MemoryReading? Read();

    /// <summary>Why <see cref="Read"/> returns null, or null when it works.</summary>
    string? Unavailable { get; }
}

/// <summary>The two calls of the CUDA runtime the memory reader makes; each returns a CUDA error code (0: success).</summary>
public interface ICudaRuntime
{
    /// <summary>The library it comes from, for messages.</summary>
    string Name { get; }

    int SetDevice(int device);

    int MemGetInfo(out long free, out long total);
}

/// <summary>
/// A CUDA device's free memory from the CUDA runtime (<c>cudaMemGetInfo</c>), which the GPU build of ONNX Runtime
/// needs installed anyway. Found by name (CUDA 13, 12, then the unversioned library); absent on CPU machines. A runtime
/// that loads but cannot read the device (a CUDA 13 runtime with a driver for CUDA 12 answers "insufficient driver")
/// gives way to the next one; the first that reads the device is kept.
/// </summary>
public sealed class CudaDeviceMemory : IDeviceMemory
{
    private static readonly string[] Libraries = ["libcudart.so.13", "libcudart.so.12", "libcudart.so", "cudart64_12.dll"];
    private readonly int _device;
    private IEnumerator<ICudaRuntime>? _candidates;
    private readonly List<string> _failures = [];
    private ICudaRuntime? _runtime;

    public CudaDeviceMemory(int device) : this(device, NativeCudaRuntime.Load(Libraries))
    {
    }

    /// <param name="candidates">Runtimes in order of preference, loaded as they are needed.</param>
    public CudaDeviceMemory(int device, IEnumerable<ICudaRuntime> candidates)
    {
        _device = device;
        _candidates = candidates.GetEnumerator();
    }

    public string? Unavailable { get; private set; }

    public MemoryReading? Read()
    {
        if (_runtime is { } kept)
        {
            if (TryRead(kept, out var reading, out int error)) return reading;
            Unavailable = $"cudaMemGetInfo failed on device {_device} (CUDA error {error}, {kept.Name})";
            return null;
        }
        return FirstReading();
    }

    /// <summary>Tries the runtimes not tried yet until one reads the device; says what each one answered when none does.</summary>
    private MemoryReading? FirstReading()
    {
        while (_candidates?.MoveNext() == true)
        {
            var runtime = _candidates.Current;
            if (TryRead(runtime, out var reading, out int error))
            {
                _runtime = runtime;
                _candidates.Dispose();
                _candidates = null;
                Unavailable = null;
                return reading;
            }
            _failures.Add($"{runtime.Name}: CUDA error {error}");
        }
        _candidates?.Dispose();
        _candidates = null;
        Unavailable = _failures.Count == 0
            ? $"the CUDA runtime library ({string.Join(", ", Libraries)}) was not found"
            : $"cudaMemGetInfo failed on device {_device} with every CUDA runtime found ({string.Join("; ", _failures)})";
        return null;
    }

    private bool TryRead(ICudaRuntime runtime, out MemoryReading reading, out int error)
    {
        long free = 0, total = 0;
        error = runtime.SetDevice(_device);
        if (error == 0) error = runtime.MemGetInfo(out free, out total);
        reading = new MemoryReading(free, total);
        return error == 0;
    }
}

/// <summary>A CUDA runtime library loaded by name; <see cref="Load"/> yields the ones that load and export both calls.</summary>
internal sealed unsafe class NativeCudaRuntime : ICudaRuntime
{
    private readonly delegate* unmanaged<int, int> _setDevice;
    private readonly delegate* unmanaged<nuint*, nuint*, int> _memGetInfo;

    private NativeCudaRuntime(string name, nint setDevice, nint memGetInfo)
    {
        Name = name;
        _setDevice = (delegate* unmanaged<int, int>)setDevice;
        _memGetInfo = (delegate* unmanaged<nuint*, nuint*, int>)memGetInfo;
    }

    public string Name { get; }

    public static IEnumerable<ICudaRuntime> Load(IEnumerable<string> libraries)
    {
        foreach (var name in libraries)
        {
            if (NativeLibrary.TryLoad(name, typeof(NativeCudaRuntime).Assembly, null, out var lib)
                && NativeLibrary.TryGetExport(lib, "cudaSetDevice", out var set) && NativeLibrary.TryGetExport(lib, "cudaMemGetInfo", out var info))
            {
                yield return new NativeCudaRuntime(name, set, info);
            }
        }
    }

    public int SetDevice(int device) => _setDevice(device);

    public int MemGetInfo(out long free, out long total)
    {
        nuint f = 0, t = 0;
        int error = _memGetInfo(&f, &t);
        (free, total) = ((long)f, (long)t);
        return error;
    }
}
