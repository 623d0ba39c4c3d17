using R2ec.Model.Torch;
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
    /// Refuses <c>Engine:Backend=torch</c> for the training commands: the learner and the rollout workers run on the
    /// managed engine only so far (R2ec.Model.Torch has the policy forward, the shared-prefill KV cache and item encoding).
    /// </summary>
    /// <exception cref="ConfigurationException">The torch backend was asked for.</exception>
    public static void RequireTrainable(JobOptions options)
    {
        Require(options);
        if (options.Engine.Backend == EngineBackend.Torch)
            throw new ConfigurationException(
                "configuration key 'Engine:Backend' is 'torch', which cannot train yet: the learner and rollout workers run on the managed engine " +
                "(the torch backend loads, and has the policy forward, KV cache and item encoding; docs/torch-backend.md)");
    }
}
