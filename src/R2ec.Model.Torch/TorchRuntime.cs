using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using TorchSharp;

namespace R2ec.Model.Torch;

/// <summary>The TorchSharp backend could not be loaded on this machine; the message is one line that says why.</summary>
public sealed class TorchBackendUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What the loaded TorchSharp backend is: versions, device, threads.</summary>
/// <param name="TorchSharpVersion">Version of the TorchSharp bindings assembly.</param>
/// <param name="LibTorchVersion">Version of the native libtorch it runs on.</param>
/// <param name="CudaAvailable">Whether a CUDA device can be used.</param>
/// <param name="CudaDevices">How many CUDA devices are visible.</param>
/// <param name="Threads">Intra-op threads of libtorch.</param>
/// <param name="NativeLibrary">Path of the native wrapper that was loaded.</param>
public sealed record TorchRuntimeInfo(string TorchSharpVersion, string LibTorchVersion, bool CudaAvailable, int CudaDevices, int Threads, string NativeLibrary);

/// <summary>
/// Loads TorchSharp's native wrapper once, and turns a failure into one clear line. TorchSharp's own loader reports
/// only "doesn't contain a reference to libtorch" whatever the cause (and then copies libtorch into a folder of the
/// build output to try again), so this loads <c>libLibTorchSharp.so</c> itself first and reads the loader's error.
/// </summary>
public static partial class TorchRuntime
{
    /// <summary>File name of TorchSharp's native wrapper on Linux.</summary>
    public const string WrapperFile = "libLibTorchSharp.so";

    private static readonly Lock Gate = new();
    private static TorchRuntimeInfo? _info;

    /// <summary>Loads the backend (once per process) and describes it; <paramref name="threads"/> &gt; 0 sets libtorch's intra-op threads.</summary>
    /// <exception cref="TorchBackendUnavailableException">The native libraries cannot be loaded here; the message names the missing library version.</exception>
    public static TorchRuntimeInfo Load(int threads = 0)
    {
        lock (Gate)
        {
            if (_info is null)
            {
                var path = FindWrapper(AppContext.BaseDirectory)
                    ?? throw new TorchBackendUnavailableException(
                        $"Engine:Backend=torch: {WrapperFile} is not in {AppContext.BaseDirectory} (build the project that references R2ec.Model.Torch)");
                if (!NativeLibrary.TryLoad(path, out _))
                {
                    // TryLoad hides dlerror; Load puts it in the exception message.
                    try
                    {
                        NativeLibrary.Load(path);
                    }
                    catch (DllNotFoundException e)
                    {
                        throw new TorchBackendUnavailableException(Explain(path, e.Message, LoadedLibStdCxx()), e);
                    }
                }
                torch.InitializeDeviceType(DeviceType.CPU);
                var cuda = torch.cuda.is_available();
                _info = new TorchRuntimeInfo(
                    typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
                        ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "?",
                    torch.__version__, cuda, cuda ? torch.cuda.device_count() : 0, 0, path);
            }
            if (threads > 0)
                torch.set_num_threads(threads);
            return _info with { Threads = torch.get_num_threads() };
        }
    }

    /// <summary>The native wrapper in a build output: beside the assemblies (RID-specific builds) or under <c>runtimes/linux-x64/native</c>.</summary>
    public static string? FindWrapper(string directory)
    {
        foreach (var candidate in new[] { Path.Combine(directory, WrapperFile), Path.Combine(directory, "runtimes", "linux-x64", "native", WrapperFile) })
        {
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>
    /// The one-line refusal for a loader error: names the library version the wrapper needs and, for libstdc++, the
    /// newest version the machine's <paramref name="libStdCxx"/> provides.
    /// </summary>
    public static string Explain(string wrapper, string loaderError, string? libStdCxx)
    {
        var missing = MissingVersion().Match(loaderError);
        if (!missing.Success)
        {
            // .NET wraps dlerror in advice about strace and LD_DEBUG; keep only the loader's own words.
            const string advice = "environment variable:";
            var at = loaderError.LastIndexOf(advice, StringComparison.Ordinal);
            var reason = (at < 0 ? loaderError : loaderError[(at + advice.Length)..]).ReplaceLineEndings(" ").Trim();
            return $"Engine:Backend=torch cannot load {wrapper}: {reason}";
        }
        var needed = missing.Groups["version"].Value;
        var have = libStdCxx is not null && needed.StartsWith("GLIBCXX_", StringComparison.Ordinal) ? NewestGlibcxx(libStdCxx) : null;
        var provides = have is null ? "" : $", and {libStdCxx} provides up to {have}";
        return $"Engine:Backend=torch cannot load {Path.GetFileName(wrapper)}: it needs {needed}{provides} " +
               "(run from an R2ec build output, which marks that reference-only requirement weak, or on a base image with GCC 13's libstdc++; see docs/torch-backend.md)";
    }

    /// <summary>The highest <c>GLIBCXX_3.4.N</c> version a libstdc++ file defines, or null when it names none.</summary>
    public static string? NewestGlibcxx(string libStdCxx)
    {
        var text = Encoding.Latin1.GetString(File.ReadAllBytes(libStdCxx));
        var best = -1;
        foreach (Match m in GlibcxxVersion().Matches(text))
            best = Math.Max(best, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        return best < 0 ? null : $"GLIBCXX_3.4.{best}";
    }

    /// <summary>The libstdc++ this process has mapped (the .NET host loads it), from <c>/proc/self/maps</c>.</summary>
    public static string? LoadedLibStdCxx()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                var at = line.IndexOf('/', StringComparison.Ordinal);
                if (at >= 0 && Path.GetFileName(line[at..]).StartsWith("libstdc++.so", StringComparison.Ordinal))
                    return line[at..];
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    [GeneratedRegex(@"version `(?<version>[^']+)' not found")]
    private static partial Regex MissingVersion();

    [GeneratedRegex(@"GLIBCXX_3\.4\.(\d+)")]
    private static partial Regex GlibcxxVersion();
}
