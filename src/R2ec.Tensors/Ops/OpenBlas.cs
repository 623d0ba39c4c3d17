using System.Runtime.InteropServices;

namespace R2ec.Tensors.Ops;

/// <summary>
/// <c>cblas_sgemm</c> of the system OpenBLAS (<c>libopenblas.so.0</c>) through P/Invoke, when installed.
/// </summary>
/// <remarks>
/// <see cref="Gemm"/> does not dispatch here: on the target machine (AMD Zen 5, AVX-512) our kernel measured as fast
/// or faster per CPU-second (docs/benchmarks.md), and OpenBLAS's own threads would break the engine's
/// thread-count-independent results. The binding exists so the benchmark can measure the peer in the same process.
/// </remarks>
public static unsafe class OpenBlas
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;
    private static readonly nint Library = Load();
    private static readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> Sgemm =
        Library == 0 ? null : (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)NativeLibrary.GetExport(Library, "cblas_sgemm");

    /// <summary>Whether <c>libopenblas.so.0</c> could be loaded.</summary>
    public static bool IsAvailable => Library != 0;

    /// <summary>Sets OpenBLAS's own thread count.</summary>
    public static void SetThreads(int threads)
    {
        Require();
        ((delegate* unmanaged<int, void>)NativeLibrary.GetExport(Library, "openblas_set_num_threads"))(threads);
    }

    /// <summary>Same contract as <see cref="Gemm.Multiply"/>, computed by OpenBLAS.</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        Require();
        fixed (float* pa = a, pb = b, pc = c)
            Sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    private static void Require()
    {
        if (!IsAvailable)
            throw new DllNotFoundException("libopenblas.so.0 is not installed (Debian: apt-get install libopenblas0-pthread)");
    }

    private static nint Load() => NativeLibrary.TryLoad("libopenblas.so.0", out var lib) ? lib : 0;
}
