using System.CommandLine;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using R2ec.Training.Configuration;

namespace R2ec.Cli.Commands;

/// <summary><c>r2ec info</c>: the facts that decide how fast this machine trains, and the effective configuration.</summary>
public static class InfoCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(GlobalOptions globals, TextWriter output)
    {
        var command = new Command("info", "print runtime, SIMD support, core count and the effective configuration");
        command.SetAction(parse =>
        {
            var options = globals.Start(parse);
            Write(options, output);
            return 0;
        });
        return command;
    }

    /// <summary>Writes the machine facts and the configuration as JSON.</summary>
    public static void Write(JobOptions options, TextWriter output)
    {
        output.WriteLine($"r2ec              {typeof(InfoCommand).Assembly.GetName().Version}");
        output.WriteLine($"runtime           {RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})");
        output.WriteLine($"os                {RuntimeInformation.OSDescription}");
        output.WriteLine($"cores             {Environment.ProcessorCount}");
        output.WriteLine($"engine threads    {options.Engine.EffectiveThreads}");
        output.WriteLine($"backend           {options.Engine.Backend.ToString().ToLowerInvariant()}");
        output.WriteLine($"device            {options.Engine.Device}");
        output.WriteLine($"dtype             {options.Engine.DType.ToString().ToLowerInvariant()}");
        if (EngineBackends.Require(options) is { } torch)
        {
            output.WriteLine($"torchsharp        {torch.TorchSharpVersion}");
            output.WriteLine($"libtorch          {torch.LibTorchVersion} ({torch.NativeLibrary})");
            output.WriteLine($"torch threads     {torch.Threads}");
            output.WriteLine($"cuda              {(torch.CudaAvailable ? $"{torch.CudaDevices} device(s)" : "not available")}");
        }
        else
        {
            output.WriteLine("libtorch          not loaded (Engine:Backend=managed)");
        }
        output.WriteLine($"vector512         {(Vector512.IsHardwareAccelerated ? "accelerated" : "not accelerated")}");
        output.WriteLine($"vector256         {(Vector256.IsHardwareAccelerated ? "accelerated" : "not accelerated")}");
        output.WriteLine($"vector<float>     {Vector<float>.Count} lanes");
        output.WriteLine($"fma               {(Fma.IsSupported ? "yes" : "no")}");
        output.WriteLine($"avx512f           {(Avx512F.IsSupported ? "yes" : "no")}");
        output.WriteLine("configuration");
        output.WriteLine(JobConfiguration.ToJson(options));
    }
}
