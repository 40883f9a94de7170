using InfoCamWeb.Core.Inference;

namespace InfoCamWeb.Core.Tests.Inference;

public sealed class DeviceMemoryTests
{
    /// <summary>A runtime whose calls answer the given CUDA error codes, counting how often it is asked.</summary>
    private sealed class FakeRuntime(string name, int setDeviceError = 0, int memGetInfoError = 0, long free = 6L << 30, long total = 8L << 30) : ICudaRuntime
    {
        public string Name => name;

        public int Calls { get; private set; }

        public int SetDevice(int device)
        {
            Calls++;
            return setDeviceError;
        }

        public int MemGetInfo(out long f, out long t)
        {
            (f, t) = memGetInfoError == 0 ? (free, total) : (0, 0);
            return memGetInfoError;
        }
    }

    [Fact]
    public void A_runtime_that_loads_but_cannot_read_the_device_gives_way_to_the_next_one()
    {
        var tooNew = new FakeRuntime("libcudart.so.13", setDeviceError: 35); // cudaErrorInsufficientDriver
        var works = new FakeRuntime("libcudart.so.12", free: 5L << 30);
        var memory = new CudaDeviceMemory(0, [tooNew, works]);
        Assert.Equal(new MemoryReading(5L << 30, 8L << 30), memory.Read());
        Assert.Null(memory.Unavailable);
        Assert.Equal(new MemoryReading(5L << 30, 8L << 30), memory.Read());
        Assert.Equal(1, tooNew.Calls); // the one that works is kept
        Assert.Equal(2, works.Calls);
    }

    [Fact]
    public void When_every_runtime_fails_the_reader_says_what_each_answered()
    {
        var memory = new CudaDeviceMemory(1, [new FakeRuntime("libcudart.so.13", setDeviceError: 35), new FakeRuntime("libcudart.so.12", memGetInfoError: 2)]);
        Assert.Null(memory.Read());
        Assert.Equal("cudaMemGetInfo failed on device 1 with every CUDA runtime found (libcudart.so.13: CUDA error 35; libcudart.so.12: CUDA error 2)", memory.Unavailable);
        Assert.Null(memory.Read());
    }

    [Fact]
    public void The_kept_runtime_failing_later_is_reported_with_its_error()
    {
        int calls = 0;
        var flaky = new DelegateRuntime(() => ++calls > 1 ? 999 : 0);
        var memory = new CudaDeviceMemory(0, [flaky]);
        Assert.NotNull(memory.Read());
        Assert.Null(memory.Read());
        Assert.Equal("cudaMemGetInfo failed on device 0 (CUDA error 999, flaky)", memory.Unavailable);
    }

    private sealed class DelegateRuntime(Func<int> setDevice) : ICudaRuntime
    {
        public string Name => "flaky";

        public int SetDevice(int device) => setDevice();

        public int MemGetInfo(out long free, out long total)
        {
            (free, total) = (1, 2);
            return 0;
        }
    }
}
