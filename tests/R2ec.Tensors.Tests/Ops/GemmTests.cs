using R2ec.Tensors.Ops;
using R2ec.Tensors.Tests.Support;

namespace R2ec.Tensors.Tests.Ops;

public class GemmTests
{
    [TearDown]
    public void RestoreThreads() => Engine.Threads = 0;

    private static double[] Expected(bool ta, bool tb, int m, int n, int k, double alpha, float[] a, int lda, float[] b, int ldb, double beta, float[] c, int ldc)
    {
        var y = new double[m * n];
        for (var i = 0; i < m; i++)
        for (var j = 0; j < n; j++)
        {
            var s = 0.0;
            for (var p = 0; p < k; p++)
                s += (double)(ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
            y[i * n + j] = alpha * s + beta * c[i * ldc + j];
        }
        return y;
    }

    [TestCase(false, false, 3, 5, 7)]
    [TestCase(false, true, 3, 5, 7)]
    [TestCase(true, false, 3, 5, 7)]
    [TestCase(true, true, 3, 5, 7)]
    [TestCase(false, false, 20, 33, 300)]
    [TestCase(false, true, 20, 33, 300)]
    [TestCase(true, false, 20, 33, 300)]
    [TestCase(true, true, 20, 33, 300)]
    [TestCase(false, true, 130, 70, 513)]
    [TestCase(true, false, 137, 65, 257)]
    [TestCase(false, true, 12, 100, 64)]
    [TestCase(false, false, 2, 100, 64)]
    public void MatchesFloat64ReferenceForEveryTransposition(bool ta, bool tb, int m, int n, int k)
    {
        // Padded leading dimensions exercise strided operands (attention heads are column slices).
        var lda = (ta ? m : k) + 3;
        var ldb = (tb ? k : n) + 5;
        var ldc = n + 2;
        var a = GradCheck.Random((ta ? k : m) * lda, 1).Select(v => (float)v).ToArray();
        var b = GradCheck.Random((tb ? n : k) * ldb, 2).Select(v => (float)v).ToArray();
        var c = GradCheck.Random(m * ldc, 3).Select(v => (float)v).ToArray();
        var expected = Expected(ta, tb, m, n, k, 0.5, a, lda, b, ldb, 0.25, c, ldc);
        Gemm.Multiply(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, c, ldc);
        var actual = new double[m * n];
        for (var i = 0; i < m; i++)
        for (var j = 0; j < n; j++)
            actual[i * n + j] = c[i * ldc + j];
        GradCheck.AssertClose(actual, expected, 1e-5, $"gemm {ta}/{tb} {m}x{n}x{k}");
    }

    [Test]
    public void BetaZeroIgnoresNaNInOutput()
    {
        var a = new float[] { 1, 2, 3, 4 };
        var c = new[] { float.NaN, float.NaN, float.NaN, float.NaN };
        Gemm.Multiply(false, false, 2, 2, 2, 1f, a, 2, a, 2, 0f, c, 2);
        Assert.That(c, Is.EqualTo(new float[] { 7, 10, 15, 22 }));
    }

    [TestCase(false, false, 300, 257, 300)]
    [TestCase(false, true, 9, 700, 256)]
    [TestCase(true, false, 256, 300, 517)]
    public void ResultIsBitwiseIdenticalForOneAndTwoThreads(bool ta, bool tb, int m, int n, int k)
    {
        var a = GradCheck.Random(m * k, 4).Select(v => (float)v).ToArray();
        var b = GradCheck.Random(k * n, 5).Select(v => (float)v).ToArray();
        var c1 = new float[m * n];
        var c2 = new float[m * n];
        Engine.Threads = 1;
        Gemm.Multiply(ta, tb, m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0f, c1, n);
        Engine.Threads = 2;
        Gemm.Multiply(ta, tb, m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0f, c2, n);
        Assert.That(c2, Is.EqualTo(c1));
    }

    [Test]
    public void RejectsOperandsTooShortForTheirShape()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 2, 1f, new float[3], 2, new float[4], 2, 0f, new float[4], 2));
        Assert.That(ex!.Message, Does.Contain("A needs 4 elements"));
    }
}

public class OpenBlasTests
{
    [Test]
    public void SystemOpenBlasAgreesWithOurGemmWhenInstalled()
    {
        Assume.That(OpenBlas.IsAvailable, "libopenblas.so.0 is not installed");
        const int m = 37, n = 70, k = 300;
        var a = GradCheck.Random(k * m, 1).Select(v => (float)v).ToArray();
        var b = GradCheck.Random(n * k, 2).Select(v => (float)v).ToArray();
        var ours = new float[m * n];
        var theirs = new float[m * n];
        Gemm.Multiply(true, true, m, n, k, 1f, a, m, b, k, 0f, ours, n);
        OpenBlas.Multiply(true, true, m, n, k, 1f, a, m, b, k, 0f, theirs, n);
        GradCheck.AssertClose(ours.Select(x => (double)x).ToArray(), theirs.Select(x => (double)x).ToArray(), 1e-5, "ours vs OpenBLAS");
    }
}
