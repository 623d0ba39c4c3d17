using R2ec.Tensors.Autograd;
using R2ec.Tensors.Ops;
using R2ec.Tensors.Tests.Support;

namespace R2ec.Tensors.Tests.Ops;

public class AttentionTests
{
    // seq 20 > 16 takes the blocked GEMM path inside a head, seq 5 the small-row paths, seq 150 three causal row blocks.
    [TestCase(2, 5, 4, 2, 8)]
    [TestCase(1, 20, 2, 2, 4)]
    [TestCase(1, 6, 3, 1, 4)]
    [TestCase(1, 150, 2, 1, 4)]
    public void CausalGroupedQueryAttention(int batch, int seq, int heads, int kvHeads, int dh)
    {
        var rope = new RopeTable(dh, 10000, 256);
        var rows = batch * seq;
        GradCheck.Check("attention",
            [(GradCheck.Random(rows * heads * dh, 1), [rows, heads * dh]), (GradCheck.Random(rows * kvHeads * dh, 2), [rows, kvHeads * dh]), (GradCheck.Random(rows * kvHeads * dh, 3), [rows, kvHeads * dh])],
            x => Reference.Attention(x[0], x[1], x[2], batch, seq, heads, kvHeads, dh, 10000),
            (t, v) => Attention.CausalSelfAttention(t, v[0], v[1], v[2], batch, seq, heads, kvHeads, rope));
    }

    [Test]
    public void KvCachedDecodingMatchesFullSequenceAttention()
    {
        const int batch = 2, seq = 7, heads = 4, kvHeads = 2, dh = 8, prompt = 4;
        var rope = new RopeTable(dh, 10000, 64);
        var rows = batch * seq;
        var q = GradCheck.Random(rows * heads * dh, 1).Select(v => (float)v).ToArray();
        var k = GradCheck.Random(rows * kvHeads * dh, 2).Select(v => (float)v).ToArray();
        var v = GradCheck.Random(rows * kvHeads * dh, 3).Select(x => (float)x).ToArray();
        var expected = Reference.Attention(q.Select(x => (double)x).ToArray(), k.Select(x => (double)x).ToArray(), v.Select(x => (double)x).ToArray(), batch, seq, heads, kvHeads, dh, 10000);

        var cache = new KvCache(1, batch, kvHeads, dh, 16);
        var actual = new double[expected.Length];
        // Prefill the prompt, then one token at a time.
        var steps = new List<(int Start, int Count)> { (0, prompt) };
        for (var t = prompt; t < seq; t++)
            steps.Add((t, 1));
        foreach (var (start, count) in steps)
        {
            float[] Rows(float[] src, int width) => Enumerable.Range(0, batch).SelectMany(b => src.Skip((b * seq + start) * width).Take(count * width)).ToArray();
            var o = new float[batch * count * heads * dh];
            Attention.Infer(Rows(q, heads * dh), Rows(k, kvHeads * dh), Rows(v, kvHeads * dh), batch, count, heads, rope, cache, 0, start, o);
            for (var b = 0; b < batch; b++)
            for (var i = 0; i < count * heads * dh; i++)
                actual[(b * seq + start) * heads * dh + i] = o[b * count * heads * dh + i];
        }
        GradCheck.AssertClose(actual, expected, 1e-5, "cached attention");
    }

    [Test]
    public void RejectsHeadsThatDoNotGroup()
    {
        using var tape = new Tape();
        var q = Variable.Constant(Tensor.Zeros(2, 12));
        var kv = Variable.Constant(Tensor.Zeros(2, 8));
        Assert.Throws<ArgumentException>(() => Attention.CausalSelfAttention(tape, q, kv, kv, 1, 2, 3, 2, new RopeTable(4, 10000, 8)));
    }
}
