using System.Runtime.InteropServices;
using R2ec.Model.Torch;

namespace R2ec.Model.Torch.Tests;

public sealed class TorchRuntimeTests
{
    [Test]
    public void The_backend_loads_from_the_build_output_and_reports_its_versions()
    {
        var info = TorchRuntime.Load(threads: 2);
        Assert.Multiple(() =>
        {
            Assert.That(info.LibTorchVersion, Does.StartWith("2.10"));
            Assert.That(info.TorchSharpVersion, Does.StartWith("0.107"));
            Assert.That(info.Threads, Is.EqualTo(2));
            Assert.That(info.NativeLibrary, Does.StartWith(AppContext.BaseDirectory));
        });
    }

    [Test]
    public void The_build_output_wrapper_carries_the_glibcxx_3_4_32_requirement_only_as_weak()
    {
        var wrapper = TorchRuntime.FindWrapper(AppContext.BaseDirectory)!;
        var flags = ElfVersionNeeds.Flags(File.ReadAllBytes(wrapper));
        Assert.Multiple(() =>
        {
            Assert.That(flags, Does.ContainKey("GLIBCXX_3.4.32"), "the wrapper no longer asks for GLIBCXX_3.4.32: the patch target may go");
            Assert.That(flags["GLIBCXX_3.4.32"] & 2, Is.EqualTo(2), "VER_FLG_WEAK not set in the build output");
            Assert.That(flags["GLIBCXX_3.4.30"] & 2, Is.Zero, "only the one reference-only requirement is weakened");
        });
    }

    [Test]
    public void An_unpatched_wrapper_is_refused_with_one_line_naming_the_missing_libstdcxx_version()
    {
        var libStdCxx = TorchRuntime.LoadedLibStdCxx();
        Assert.That(libStdCxx, Is.Not.Null, "the .NET host maps libstdc++");
        var newest = TorchRuntime.NewestGlibcxx(libStdCxx!);
        if (string.CompareOrdinal(newest, "GLIBCXX_3.4.32") >= 0 && newest!.Length >= "GLIBCXX_3.4.32".Length)
            Assert.Ignore($"{libStdCxx} provides {newest}: the unpatched wrapper loads here, nothing to refuse");
        // The NuGet cache holds the wrapper as TorchSharp ships it; the build output's copy is the patched one.
        var shipped = Path.Combine(NuGetPackages(), "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", TorchRuntime.WrapperFile);
        Assert.That(File.Exists(shipped), Is.True, shipped);
        // Beside the build output's libtorch (its RUNPATH is $ORIGIN), so that only the version check can fail.
        var folder = Directory.CreateTempSubdirectory("r2ec-unpatched-").FullName;
        var native = Path.GetDirectoryName(TorchRuntime.FindWrapper(AppContext.BaseDirectory))!;
        foreach (var dependency in new[] { "libtorch.so", "libc10.so", "libtorch_cpu.so", "libgomp-98b21ff3.so.1" })
            File.CreateSymbolicLink(Path.Combine(folder, dependency), Path.Combine(native, dependency));
        var original = Path.Combine(folder, TorchRuntime.WrapperFile);
        File.Copy(shipped, original);
        var error = Assert.Throws<DllNotFoundException>(() => NativeLibrary.Load(original))!;
        Directory.Delete(folder, recursive: true);
        var line = TorchRuntime.Explain(original, error.Message, libStdCxx);
        Assert.Multiple(() =>
        {
            Assert.That(line, Does.Contain("needs GLIBCXX_3.4.32"));
            Assert.That(line, Does.Contain($"provides up to {newest}"));
            Assert.That(line, Does.Not.Contain("\n"));
        });
    }

    [Test]
    public void A_loader_error_without_a_version_is_passed_on_in_one_line()
    {
        var line = TorchRuntime.Explain("/x/libLibTorchSharp.so",
            "Unable to load shared library '/x/libLibTorchSharp.so' or one of its dependencies. In order to help diagnose loading problems, " +
            "consider using a tool like strace. If you're using glibc, consider setting the LD_DEBUG environment variable: \nlibc10.so: cannot open shared object file: No such file or directory\n", null);
        Assert.That(line, Is.EqualTo("Engine:Backend=torch cannot load /x/libLibTorchSharp.so: libc10.so: cannot open shared object file: No such file or directory"));
    }

    private static string NuGetPackages() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}

/// <summary>Reads the flags of every version requirement (<c>.gnu.version_r</c>) of an ELF64 file, by version name.</summary>
internal static class ElfVersionNeeds
{
    public static Dictionary<string, int> Flags(byte[] b)
    {
        var result = new Dictionary<string, int>();
        var shoff = BitConverter.ToInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3a), shnum = BitConverter.ToUInt16(b, 0x3c);
        for (var i = 0; i < shnum; i++)
        {
            var header = (int)(shoff + i * shentsize);
            if (BitConverter.ToUInt32(b, header + 4) != 0x6ffffffe)
                continue;
            var link = BitConverter.ToInt32(b, header + 40);
            var strtab = BitConverter.ToInt64(b, (int)(shoff + link * shentsize + 24));
            var vn = BitConverter.ToInt64(b, header + 24);
            while (true)
            {
                var aux = vn + BitConverter.ToUInt32(b, (int)vn + 8);
                for (var a = 0; a < BitConverter.ToUInt16(b, (int)vn + 2); a++)
                {
                    var start = (int)(strtab + BitConverter.ToUInt32(b, (int)aux + 8));
                    var end = Array.IndexOf(b, (byte)0, start);
                    result[System.Text.Encoding.ASCII.GetString(b, start, end - start)] = BitConverter.ToUInt16(b, (int)aux + 4);
                    aux += BitConverter.ToUInt32(b, (int)aux + 12);
                }
                var next = BitConverter.ToUInt32(b, (int)vn + 12);
                if (next == 0)
                    break;
                vn += next;
            }
        }
        return result;
    }
}
