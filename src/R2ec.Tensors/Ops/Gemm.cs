using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace R2ec.Tensors.Ops;

/// <summary>
/// Single-precision matrix multiply <c>C = alpha·op(A)·op(B) + beta·C</c> (BLAS sgemm semantics, row-major,
/// leading dimensions in elements), cache-blocked with packed B panels (full strips of A are read in place) and an
/// 8×32 register-tiled AVX-512 micro-kernel.
/// </summary>
/// <remarks>
/// The reduction order of every C element depends only on k (blocks of <see cref="KC"/>, then sequential), never on
/// the thread count or on which worker computed it, so results are bitwise identical for any <see cref="Engine.Threads"/>.
/// Few rows (decoding, one head of attention) take dot-product or axpy paths that skip packing.
/// </remarks>
public static unsafe class Gemm
{
    private const int MR = 8;
    private const int NR = 32;
    private const int KC = 256;
    private const int MC = 128;
    private const int NC = 2048;
    private const int SmallRowsNT = 16;
    private const int SmallRowsNN = 4;

    /// <summary>
    /// <c>C[m×n] = alpha·op(A)·op(B) + beta·C</c>; op(A) is m×k (A stored k×m when <paramref name="transA"/>),
    /// op(B) is k×n (B stored n×k when <paramref name="transB"/>). With <paramref name="parallel"/> false it runs
    /// on the calling thread (for callers that already parallelise over independent products).
    /// </summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, bool parallel = true)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"negative size m={m} n={n} k={k}");
        Check(a.Length, transA ? k : m, transA ? m : k, lda, "A");
        Check(b.Length, transB ? n : k, transB ? k : n, ldb, "B");
        Check(c.Length, m, n, ldc, "C");
        fixed (float* pa = a, pb = b, pc = c)
            Run(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, parallel);
    }

    private static void Check(int length, int rows, int cols, int ld, string name)
    {
        if (rows == 0 || cols == 0)
            return;
        if (ld < cols)
            throw new ArgumentOutOfRangeException(name, $"leading dimension of {name} is {ld}, less than its {cols} columns");
        if ((long)(rows - 1) * ld + cols > length)
            throw new ArgumentException($"{name} needs {(long)(rows - 1) * ld + cols} elements for {rows}×{cols} with ld {ld}, has {length}", name);
    }

    internal static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, bool parallel)
    {
        if (m == 0 || n == 0)
            return;
        if (beta != 1f)
            ScaleC(m, n, beta, c, ldc);
        if (k == 0 || alpha == 0f)
            return;
        if (m <= SmallRowsNT && transB)
            SmallNT(transA, m, n, k, alpha, a, lda, b, ldb, c, ldc, parallel);
        else if (m <= SmallRowsNN && !transB)
            SmallNN(transA, m, n, k, alpha, a, lda, b, ldb, c, ldc, parallel);
        else
            Blocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc, parallel);
    }

    private static void ScaleC(int m, int n, float beta, float* c, int ldc)
    {
        for (var i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (long)i * ldc, n);
            if (beta == 0f)
                row.Clear();
            else
                System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    private static void Blocked(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool parallel)
    {
        var threads = parallel ? Engine.Threads : 1;
        var mBlocks = (m + MC - 1) / MC;
        var packBLength = KC * Math.Min(NC, RoundUp(n, NR));
        var packB = TensorPool.Rent(packBLength, out var packBOffset);
        try
        {
            fixed (float* pbBase = &packB[packBOffset])
            {
                var pb = (nint)pbBase;
                for (var jc = 0; jc < n; jc += NC)
                {
                    var nb = Math.Min(NC, n - jc);
                    var strips = (nb + NR - 1) / NR;
                    for (var pc = 0; pc < k; pc += KC)
                    {
                        var kb = Math.Min(KC, k - pc);
                        var j0 = jc;
                        var p0 = pc;
                        if (threads > 1)
                            Engine.For(strips, 4, (s0, s1) => PackB(transB, b, ldb, p0, kb, j0, nb, s0, s1, (float*)pb));
                        else
                            PackB(transB, b, ldb, p0, kb, j0, nb, 0, strips, (float*)pb);
                        var parts = Math.Min(strips, Math.Max(1, (threads + mBlocks - 1) / mBlocks));
                        var tasks = mBlocks * parts;
                        void Task(int t)
                        {
                            var ib = t / parts;
                            var part = t % parts;
                            var ic = ib * MC;
                            var mb = Math.Min(MC, m - ic);
                            var s0 = strips * part / parts;
                            var s1 = strips * (part + 1) / parts;
                            var packA = TensorPool.Rent(MR * KC, out var packAOffset);
                            fixed (float* pa = &packA[packAOffset])
                            {
                                // Full strips of MR rows are read from A in place (the kernel takes their stride);
                                // only a last partial strip is packed, zero-padded to MR rows.
                                var full = mb / MR * MR;
                                if (full < mb)
                                    PackA(transA, a, lda, ic + full, mb - full, p0, kb, pa);
                                var tile = stackalloc float[MR * NR];
                                for (var s = s0; s < s1; s++)
                                {
                                    var cols = Math.Min(NR, nb - s * NR);
                                    var bStrip = (float*)pb + (long)s * NR * kb;
                                    for (var ir = 0; ir < mb; ir += MR)
                                    {
                                        var cTile = c + (long)(ic + ir) * ldc + j0 + s * NR;
                                        var rows = Math.Min(MR, mb - ir);
                                        if (rows == MR && cols == NR)
                                        {
                                            Direct(transA, kb, a, lda, ic + ir, p0, bStrip, cTile, ldc, alpha);
                                            continue;
                                        }
                                        // Edge tile: compute a whole MR×NR tile aside, add its valid part.
                                        new Span<float>(tile, MR * NR).Clear();
                                        if (rows == MR)
                                            Direct(transA, kb, a, lda, ic + ir, p0, bStrip, tile, NR, alpha);
                                        else
                                            Kernel(kb, pa, MR, bStrip, tile, NR, alpha);
                                        for (var r = 0; r < rows; r++)
                                        for (var j = 0; j < cols; j++)
                                            cTile[(long)r * ldc + j] += tile[r * NR + j];
                                    }
                                }
                            }
                            TensorPool.Return(packA);
                        }
                        if (threads > 1 && tasks > 1)
                            Engine.ForEachTask(tasks, Task);
                        else
                            for (var t = 0; t < tasks; t++)
                                Task(t);
                    }
                }
            }
        }
        finally
        {
            TensorPool.Return(packB);
        }
    }

    private static int RoundUp(int x, int to) => (x + to - 1) / to * to;

    // Packs op(A)[ic..ic+mb, pc..pc+kb] (mb ≤ MR) as one strip, k-major, zero-padded to MR rows.
    private static void PackA(bool transA, float* a, int lda, int ic, int mb, int pc, int kb, float* pa)
    {
        for (var ir = 0; ir < mb; ir += MR)
        {
            var rows = Math.Min(MR, mb - ir);
            var dst = pa + (long)ir * kb;
            if (transA)
            {
                for (var p = 0; p < kb; p++)
                {
                    var src = a + (long)(pc + p) * lda + ic + ir;
                    var d = dst + p * MR;
                    var r = 0;
                    for (; r < rows; r++)
                        d[r] = src[r];
                    for (; r < MR; r++)
                        d[r] = 0f;
                }
            }
            else
            {
                for (var r = 0; r < MR; r++)
                {
                    if (r < rows)
                    {
                        var src = a + (long)(ic + ir + r) * lda + pc;
                        for (var p = 0; p < kb; p++)
                            dst[p * MR + r] = src[p];
                    }
                    else
                    {
                        for (var p = 0; p < kb; p++)
                            dst[p * MR + r] = 0f;
                    }
                }
            }
        }
    }

    // Packs op(B)[pc..pc+kb, jc+s*NR ..] for strips [s0, s1) as kb rows of NR floats each, zero-padded to NR columns.
    private static void PackB(bool transB, float* b, int ldb, int pc, int kb, int jc, int nb, int s0, int s1, float* pb)
    {
        for (var s = s0; s < s1; s++)
        {
            var cols = Math.Min(NR, nb - s * NR);
            var dst = pb + (long)s * NR * kb;
            var j0 = jc + s * NR;
            if (!transB)
            {
                for (var p = 0; p < kb; p++)
                {
                    var src = b + (long)(pc + p) * ldb + j0;
                    var d = dst + p * NR;
                    if (cols == NR)
                    {
                        Vector512.Store(Vector512.Load(src), d);
                        Vector512.Store(Vector512.Load(src + 16), d + 16);
                    }
                    else
                    {
                        var j = 0;
                        for (; j < cols; j++)
                            d[j] = src[j];
                        for (; j < NR; j++)
                            d[j] = 0f;
                    }
                }
            }
            else
            {
                for (var j = 0; j < NR; j++)
                {
                    if (j < cols)
                    {
                        var src = b + (long)(j0 + j) * ldb + pc;
                        for (var p = 0; p < kb; p++)
                            dst[p * NR + j] = src[p];
                    }
                    else
                    {
                        for (var p = 0; p < kb; p++)
                            dst[p * NR + j] = 0f;
                    }
                }
            }
        }
    }

    // Never inlined: inside a caller with more live values the JIT spills the 16 accumulators every iteration.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Kernel(int kb, float* pa, int aStep, float* pb, float* c, int ldc, float alpha)
    {
        // The tile of C is only touched after kb steps: start fetching its 16 cache lines now.
        for (var r = 0; r < MR; r++)
        {
            Sse.Prefetch0(c + (long)r * ldc);
            Sse.Prefetch0(c + (long)r * ldc + 16);
        }
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        for (var p = 0; p < kb; p++)
        {
            var b0 = Vector512.Load(pb);
            var b1 = Vector512.Load(pb + 16);
            var x = Vector512.Create(pa[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(pa[1]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(pa[2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(pa[3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(pa[4]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(pa[5]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(pa[6]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(pa[7]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            pa += aStep;
            pb += NR;
        }
        var va = Vector512.Create(alpha);
        Add(c, va, c00, c01);
        Add(c + ldc, va, c10, c11);
        Add(c + 2 * ldc, va, c20, c21);
        Add(c + 3 * ldc, va, c30, c31);
        Add(c + 4 * ldc, va, c40, c41);
        Add(c + 5 * ldc, va, c50, c51);
        Add(c + 6 * ldc, va, c60, c61);
        Add(c + 7 * ldc, va, c70, c71);
    }

    // The same tile with A read in place from MR rows of stride lda (row-major A, no packing).
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void KernelRows(int kb, float* a, int lda, float* pb, float* c, int ldc, float alpha)
    {
        // The tile of C is only touched after kb steps: start fetching its 16 cache lines now.
        for (var r = 0; r < MR; r++)
        {
            Sse.Prefetch0(c + (long)r * ldc);
            Sse.Prefetch0(c + (long)r * ldc + 16);
        }
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        float* a0 = a, a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
        for (var p = 0; p < kb; p++)
        {
            var b0 = Vector512.Load(pb);
            var b1 = Vector512.Load(pb + 16);
            var x = Vector512.Create(a0[p]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[p]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[p]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[p]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a4[p]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a5[p]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a6[p]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a7[p]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            pb += NR;
        }
        var va = Vector512.Create(alpha);
        Add(c, va, c00, c01);
        Add(c + ldc, va, c10, c11);
        Add(c + 2 * ldc, va, c20, c21);
        Add(c + 3 * ldc, va, c30, c31);
        Add(c + 4 * ldc, va, c40, c41);
        Add(c + 5 * ldc, va, c50, c51);
        Add(c + 6 * ldc, va, c60, c61);
        Add(c + 7 * ldc, va, c70, c71);
    }

    // A full strip of MR rows read in place: rows of stride lda, or (transposed) columns of stride 1 stepping lda.
    private static void Direct(bool transA, int kb, float* a, int lda, int row, int p0, float* pb, float* c, int ldc, float alpha)
    {
        if (transA)
            Kernel(kb, a + (long)p0 * lda + row, lda, pb, c, ldc, alpha);
        else
            KernelRows(kb, a + (long)row * lda + p0, lda, pb, c, ldc, alpha);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(float* c, Vector512<float> alpha, Vector512<float> lo, Vector512<float> hi)
    {
        Vector512.Store(Vector512.FusedMultiplyAdd(alpha, lo, Vector512.Load(c)), c);
        Vector512.Store(Vector512.FusedMultiplyAdd(alpha, hi, Vector512.Load(c + 16)), c + 16);
    }

    // Few rows and B stored n×k: every C element is one dot product of two contiguous rows.
    private static void SmallNT(bool transA, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float* c, int ldc, bool parallel)
    {
        float[]? gathered = null;
        var aRows = a;
        var aStride = lda;
        if (transA)
        {
            gathered = TensorPool.Rent(m * k, out var off);
            fixed (float* g = &gathered[off])
            {
                for (var i = 0; i < m; i++)
                for (var p = 0; p < k; p++)
                    g[i * k + p] = a[(long)p * lda + i];
                aRows = g;
            }
            aStride = k;
        }
        try
        {
            var ap = (nint)aRows;
            void Range(int j0, int j1)
            {
                var A = (float*)ap;
                for (var j = j0; j < j1; j++)
                {
                    var bj = b + (long)j * ldb;
                    var i = 0;
                    for (; i + 4 <= m; i += 4)
                    {
                        Dot4(A + (long)i * aStride, aStride, bj, k, out var d0, out var d1, out var d2, out var d3);
                        c[(long)i * ldc + j] += alpha * d0;
                        c[(long)(i + 1) * ldc + j] += alpha * d1;
                        c[(long)(i + 2) * ldc + j] += alpha * d2;
                        c[(long)(i + 3) * ldc + j] += alpha * d3;
                    }
                    for (; i < m; i++)
                        c[(long)i * ldc + j] += alpha * Dot(A + (long)i * aStride, bj, k);
                }
            }
            if (parallel)
                Engine.For(n, 64, Range);
            else
                Range(0, n);
        }
        finally
        {
            if (gathered is not null)
                TensorPool.Return(gathered);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    internal static float Dot(float* x, float* y, int k)
    {
        var s = Vector512<float>.Zero;
        var p = 0;
        for (; p + 16 <= k; p += 16)
            s = Vector512.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.Load(y + p), s);
        var sum = Vector512.Sum(s);
        for (; p < k; p++)
            sum = MathF.FusedMultiplyAdd(x[p], y[p], sum);
        return sum;
    }

    // Fully optimised from the first call: decoding calls it in bursts that tiered compilation would run unoptimised.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4(float* a, int lda, float* bj, int k, out float d0, out float d1, out float d2, out float d3)
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        var a1 = a + lda;
        var a2 = a1 + lda;
        var a3 = a2 + lda;
        var p = 0;
        for (; p + 16 <= k; p += 16)
        {
            var bv = Vector512.Load(bj + p);
            s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + p), bv, s0);
            s1 = Vector512.FusedMultiplyAdd(Vector512.Load(a1 + p), bv, s1);
            s2 = Vector512.FusedMultiplyAdd(Vector512.Load(a2 + p), bv, s2);
            s3 = Vector512.FusedMultiplyAdd(Vector512.Load(a3 + p), bv, s3);
        }
        d0 = Vector512.Sum(s0);
        d1 = Vector512.Sum(s1);
        d2 = Vector512.Sum(s2);
        d3 = Vector512.Sum(s3);
        for (; p < k; p++)
        {
            d0 = MathF.FusedMultiplyAdd(a[p], bj[p], d0);
            d1 = MathF.FusedMultiplyAdd(a1[p], bj[p], d1);
            d2 = MathF.FusedMultiplyAdd(a2[p], bj[p], d2);
            d3 = MathF.FusedMultiplyAdd(a3[p], bj[p], d3);
        }
    }

    // Few rows and B stored k×n: each C row is a sum of scaled B rows, vectorised along n.
    private static void SmallNN(bool transA, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float* c, int ldc, bool parallel)
    {
        void Range(int j0, int j1)
        {
            var width = j1 - j0;
            for (var i = 0; i < m; i++)
            {
                var ci = c + (long)i * ldc + j0;
                for (var p = 0; p < k; p++)
                {
                    var s = alpha * (transA ? a[(long)p * lda + i] : a[(long)i * lda + p]);
                    var bp = b + (long)p * ldb + j0;
                    var j = 0;
                    var vs = Vector512.Create(s);
                    for (; j + 16 <= width; j += 16)
                        Vector512.Store(Vector512.FusedMultiplyAdd(vs, Vector512.Load(bp + j), Vector512.Load(ci + j)), ci + j);
                    for (; j < width; j++)
                        ci[j] = MathF.FusedMultiplyAdd(s, bp[j], ci[j]);
                }
            }
        }
        if (parallel)
            Engine.For((n + 15) / 16, 8, (s0, s1) => Range(s0 * 16, Math.Min(n, s1 * 16)));
        else
            Range(0, n);
    }
}
