using R2ec.Model.Torch;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;

namespace R2ec.Cli.Commands;

/// <summary>Loads the backend <c>Engine:Backend</c> names before a command starts work, and refuses one this machine cannot run.</summary>
public static class EngineBackends
{
    /// <summary>
    /// Nothing for the managed engine; for the torch backend, loads libtorch with <c>Engine:Threads</c> and checks the
    /// device, and describes it.
    /// </summary>
    /// <exception cref="TorchBackendUnavailableException">libtorch cannot be loaded here (the message names the missing library version).</exception>
    /// <exception cref="ConfigurationException"><c>Engine:Device</c> names a CUDA device this build or machine does not have.</exception>
    public static TorchRuntimeInfo? Require(JobOptions options)
    {
        if (options.Engine.Backend != EngineBackend.Torch)
            return null;
        var info = TorchRuntime.Load(options.Engine.EffectiveThreads);
        var device = options.Engine.Device;
        if (device.StartsWith("cuda", StringComparison.Ordinal))
        {
            var index = device.Length > 5 ? int.Parse(device[5..], System.Globalization.CultureInfo.InvariantCulture) : 0;
            if (!info.CudaAvailable || index >= info.CudaDevices)
                throw new ConfigurationException(
                    $"configuration key 'Engine:Device' is '{device}', but this build sees {info.CudaDevices} CUDA device(s) " +
                    "(a CPU build references libtorch-cpu; GPU nodes build with -p:TorchBackend=cuda, see docs/torch-backend.md)");
        }
        return info;
    }

    /// <summary>
    /// The policy factory of <c>Engine:Backend</c>, after <see cref="Require"/> has loaded and checked it: the managed
    /// engine, the toy policy of load tests, or TorchSharp (whose assembly, and libtorch, are touched only when the torch backend is asked for).
    /// </summary>
    /// <exception cref="TorchBackendUnavailableException">libtorch cannot be loaded here (the message names the missing library version).</exception>
    /// <exception cref="ConfigurationException"><c>Engine:Device</c> names a CUDA device this build or machine does not have.</exception>
    public static IPolicyFactory Factory(JobOptions options)
    {
        if (options.Engine.Backend == EngineBackend.Toy)
            return new ToyPolicyFactory { SampleDelay = TimeSpan.FromMilliseconds(options.Engine.ToySampleMilliseconds) };
        if (options.Engine.Backend != EngineBackend.Torch)
            return new R2ecPolicyFactory(options);
        Require(options);
        return TorchFactory(options);
    }

    // Separate so that JIT-compiling Factory does not load R2ec.Training.Torch (and TorchSharp) on the managed path.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static IPolicyFactory TorchFactory(JobOptions options) => new R2ec.Training.Torch.TorchPolicyFactory(options);
}
