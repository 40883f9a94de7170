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

/// <summary>
/// A CUDA device's free memory from the CUDA runtime (<c>cudaMemGetInfo</c>), which the GPU build of ONNX Runtime
/// needs installed anyway. Found by name (CUDA 13, 12, then the unversioned library); absent on CPU machines.
/// </summary>
public sealed unsafe class CudaDeviceMemory : IDeviceMemory
{
    private static readonly string[] Libraries = ["libcudart.so.13", "libcudart.so.12", "libcudart.so", "cudart64_12.dll"];
    private readonly delegate* unmanaged<int, int> _setDevice;
    private readonly delegate* unmanaged<nuint*, nuint*, int> _memGetInfo;
    private readonly int _device;

    public CudaDeviceMemory(int device)
    {
        _device = device;
        foreach (var name in Libraries)
        {
            if (NativeLibrary.TryLoad(name, typeof(CudaDeviceMemory).Assembly, null, out var lib)
                && NativeLibrary.TryGetExport(lib, "cudaSetDevice", out var set) && NativeLibrary.TryGetExport(lib, "cudaMemGetInfo", out var info))
            {
                _setDevice = (delegate* unmanaged<int, int>)set;
                _memGetInfo = (delegate* unmanaged<nuint*, nuint*, int>)info;
                return;
            }
        }
        Unavailable = $"the CUDA runtime library ({string.Join(", ", Libraries)}) was not found";
    }

    public string? Unavailable { get; private set; }

    public MemoryReading? Read()
    {
        if (_memGetInfo == null) return null;
        nuint free = 0, total = 0;
        int error = _setDevice(_device);
        if (error == 0) error = _memGetInfo(&free, &total);
        if (error != 0)
        {
            Unavailable = $"cudaMemGetInfo failed on device {_device} (CUDA error {error})";
            return null;
        }
        return new MemoryReading((long)free, (long)total);
    }
}
