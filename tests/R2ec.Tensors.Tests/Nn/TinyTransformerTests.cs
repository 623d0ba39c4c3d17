using R2ec.Tensors.Autograd;
using R2ec.Tensors.Nn;
using R2ec.Tensors.Ops;
using R2ec.Tensors.Tests.Support;

namespace R2ec.Tensors.Tests.Nn;

public class TinyTransformerTests
{
    // Two layers, grouped-query heads (2 query heads share 1 key/value head), QKV bias, tied embeddings.
    private static readonly TransformerConfig Small = new(Vocab: 13, Dim: 8, Layers: 2, Heads: 2, KvHeads: 1, Ffn: 12, MaxPositions: 16);
    private const int Batch = 2, Seq = 5;
    private static readonly int[] Ids = [1, 5, 7, 2, 12, 0, 3, 3, 9, 11];
    private static readonly int[] Targets = [5, 7, 2, 12, -100, 3, 3, 9, 11, 4];
    private static readonly int[] ItemLabels = [1, 2];

    private static double[] ItemTable() => GradCheck.Random(3 * 8, 77);

    /// <summary>Float64 forward of the whole stack from named parameters: final-norm hidden states.</summary>
    private static double[] ReferenceHidden(TransformerConfig c, Func<string, double[]?> p, int[] ids, int batch, int seq)
    {
        var rows = batch * seq;
        int d = c.Dim, kv = c.KvHeads * c.HeadDim;
        var x = Reference.Gather(p("model.embed_tokens.weight")!, d, ids);
        for (var l = 0; l < c.Layers; l++)
        {
            var pre = $"model.layers.{l}.";
            var h = Reference.RmsNorm(x, d, p(pre + "input_layernorm.weight")!, c.NormEps);
            var q = Reference.Linear(h, rows, d, p(pre + "self_attn.q_proj.weight")!, d, p(pre + "self_attn.q_proj.bias"));
            var k = Reference.Linear(h, rows, d, p(pre + "self_attn.k_proj.weight")!, kv, p(pre + "self_attn.k_proj.bias"));
            var v = Reference.Linear(h, rows, d, p(pre + "self_attn.v_proj.weight")!, kv, p(pre + "self_attn.v_proj.bias"));
            var a = Reference.Attention(q, k, v, batch, seq, c.Heads, c.KvHeads, c.HeadDim, c.RopeTheta);
            x = Reference.Add(x, Reference.Linear(a, rows, d, p(pre + "self_attn.o_proj.weight")!, d, null));
            h = Reference.RmsNorm(x, d, p(pre + "post_attention_layernorm.weight")!, c.NormEps);
            var g = Reference.Linear(h, rows, d, p(pre + "mlp.gate_proj.weight")!, c.Ffn, null);
            var u = Reference.Linear(h, rows, d, p(pre + "mlp.up_proj.weight")!, c.Ffn, null);
            x = Reference.Add(x, Reference.Linear(Reference.SwiGlu(g, u), rows, c.Ffn, p(pre + "mlp.down_proj.weight")!, d, null));
        }
        return Reference.RmsNorm(x, d, p("model.norm.weight")!, c.NormEps);
    }

    /// <summary>Language loss (mean token cross-entropy) plus item loss (cross-entropy of cosine/0.05 at each sequence's last token).</summary>
    private static double ReferenceLoss(TransformerConfig c, Func<string, double[]?> p)
    {
        var hidden = ReferenceHidden(c, p, Ids, Batch, Seq);
        var logits = Reference.Linear(hidden, Batch * Seq, c.Dim, p("model.embed_tokens.weight")!, c.Vocab, null);
        var lp = Reference.TokenLogProbs(logits, c.Vocab, Targets, -100);
        var tok = -lp.Sum() / Targets.Count(t => t != -100);
        var last = Enumerable.Range(0, Batch).SelectMany(b => hidden.Skip(((b + 1) * Seq - 1) * c.Dim).Take(c.Dim)).ToArray();
        var sim = Reference.Linear(Reference.L2Normalize(last, c.Dim), Batch, c.Dim, Reference.L2Normalize(ItemTable(), c.Dim), 3, null, 1 / 0.05);
        var item = -Reference.TokenLogProbs(sim, 3, ItemLabels, -100).Average();
        return tok + item;
    }

    private static Variable Loss(Tape tape, TinyTransformer model, Variable items)
    {
        var hidden = model.Hidden(tape, Ids, Batch, Seq);
        var tok = CrossEntropy.Loss(tape, model.Logits(tape, hidden), Targets);
        var last = Embedding.Lookup(tape, hidden, Enumerable.Range(0, Batch).Select(b => (b + 1) * Seq - 1).ToArray());
        var item = CrossEntropy.Loss(tape, Cosine.Similarity(tape, last, items, 0.05f), ItemLabels);
        return Residual.Add(tape, tok, item);
    }

    [Test]
    public void TwoLayerStackGradientMatchesFloat64FiniteDifferences()
    {
        var model = new TinyTransformer(Small, seed: 3);
        var items = Variable.Constant(Tensor.FromArray(ItemTable().Select(v => (float)v).ToArray(), 3, 8));
        float lossValue;
        using (var tape = new Tape())
        {
            var loss = Loss(tape, model, items);
            lossValue = loss.Value.Span[0];
            tape.Backward(loss);
        }
        var values = model.Parameters.ToDictionary(v => v.Name!, v => v.Value.ToArray().Select(x => (double)x).ToArray());
        double[]? P(string name) => values.GetValueOrDefault(name);
        Assert.That(lossValue, Is.EqualTo(ReferenceLoss(Small, P)).Within(1e-4 * Math.Abs(lossValue)), "forward loss");

        var analytic = new List<double>();
        var numeric = new List<double>();
        foreach (var param in model.Parameters)
        {
            var w = values[param.Name!];
            for (var i = 0; i < w.Length; i++)
            {
                var keep = w[i];
                w[i] = keep + 1e-6;
                var up = ReferenceLoss(Small, P);
                w[i] = keep - 1e-6;
                var down = ReferenceLoss(Small, P);
                w[i] = keep;
                numeric.Add((up - down) / 2e-6);
                analytic.Add(param.Grad!.Span[i]);
            }
        }
        Assert.That(analytic, Has.Count.GreaterThan(1000));
        GradCheck.AssertClose(analytic.ToArray(), numeric.ToArray(), 1e-3, "2-layer stack gradient");
    }

    [Test]
    public void KvCachedGenerationMatchesFullForward()
    {
        var model = new TinyTransformer(Small, seed: 5);
        int[] prompt = [1, 5, 7, 2, 12, 0, 3, 3];
        int[] next = [4, 9];
        var cache = new KvCache(Small.Layers, 2, Small.KvHeads, Small.HeadDim, 8);
        var hidden = new float[2 * Small.Dim];
        var logits = new float[2 * Small.Vocab];
        model.Infer(prompt, 2, 4, cache, hidden, logits);
        model.Infer(next, 2, 1, cache, hidden, logits);
        Assert.That(cache.Length, Is.EqualTo(5));

        int[] full = [1, 5, 7, 2, 4, 12, 0, 3, 3, 9];
        using var tape = new Tape(recording: false);
        var h = model.Hidden(tape, full, 2, 5);
        var expected = new[] { 4, 9 }.SelectMany(r => h.Value.Span.Slice(r * Small.Dim, Small.Dim).ToArray()).Select(x => (double)x).ToArray();
        GradCheck.AssertClose(hidden.Select(x => (double)x).ToArray(), expected, 1e-5, "cached hidden state");
    }
}

public class TinyTransformerWeightsTests
{
    private static readonly TransformerConfig Small = new(Vocab: 13, Dim: 8, Layers: 2, Heads: 2, KvHeads: 1, Ffn: 12, MaxPositions: 16);

    [Test]
    public void SavedWeightsLoadIntoAFreshModel()
    {
        var dir = Directory.CreateTempSubdirectory("r2ec-tt-").FullName;
        try
        {
            var path = Path.Combine(dir, "model.safetensors");
            var a = new TinyTransformer(Small, seed: 1);
            a.SaveWeights(path);
            var b = new TinyTransformer(Small, seed: 2);
            using (var file = R2ec.Tensors.SafeTensors.SafeTensorsFile.Open(path))
                b.LoadWeights(file);
            Assert.That(b.Parameters.Select(p => p.Value.ToArray()), Is.EqualTo(a.Parameters.Select(p => p.Value.ToArray())));
            Assert.That(a.Parameters.Select(p => p.Name), Does.Contain("model.layers.1.self_attn.k_proj.bias"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void ShapeMismatchNamesTheTensor()
    {
        var dir = Directory.CreateTempSubdirectory("r2ec-tt-").FullName;
        try
        {
            var path = Path.Combine(dir, "model.safetensors");
            new TinyTransformer(Small with { Ffn = 10 }, seed: 1).SaveWeights(path);
            using var file = R2ec.Tensors.SafeTensors.SafeTensorsFile.Open(path);
            var ex = Assert.Throws<R2ec.Tensors.SafeTensors.SafeTensorsException>(() => new TinyTransformer(Small, seed: 2).LoadWeights(file));
            Assert.That(ex!.Message, Does.Contain("model.layers.0.mlp.gate_proj.weight"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
