using R2ec.Tensors.Autograd;
using R2ec.Tensors.Nn;
using R2ec.Tensors.Ops;
using R2ec.Tensors.Optim;

namespace R2ec.Tensors.Tests.Nn;

public class DeterminismTests
{
    [TearDown]
    public void RestoreThreads() => Engine.Threads = 0;

    // Big enough that every kernel actually splits its work over two threads.
    private static readonly TransformerConfig Config = new(Vocab: 300, Dim: 64, Layers: 2, Heads: 4, KvHeads: 2, Ffn: 96, MaxPositions: 32);

    private static float[][] Train(int threads, int steps)
    {
        Engine.Threads = threads;
        const int batch = 4, seq = 24;
        var model = new TinyTransformer(Config, seed: 11);
        var opt = new AdamW(model.Parameters, learningRate: 3e-3f);
        var itemRng = new KeyedRandom(12);
        var items = Variable.Constant(Tensor.FromArray(Enumerable.Range(0, 50 * 64).Select(i => (float)itemRng.Normal((ulong)i)).ToArray(), 50, 64));
        for (var step = 0; step < steps; step++)
        {
            var rng = new KeyedRandom(13, (ulong)step);
            var ids = Enumerable.Range(0, batch * seq).Select(i => (int)(rng.Bits((ulong)i) % 300)).ToArray();
            var targets = ids.Skip(1).Append(-100).ToArray();
            var labels = Enumerable.Range(0, batch).Select(i => (int)(rng.Bits((ulong)(1000 + i)) % 50)).ToArray();
            using var tape = new Tape();
            var hidden = model.Hidden(tape, ids, batch, seq);
            var tok = CrossEntropy.Loss(tape, model.Logits(tape, hidden), targets);
            var last = Embedding.Lookup(tape, hidden, Enumerable.Range(0, batch).Select(b => (b + 1) * seq - 1).ToArray());
            var item = CrossEntropy.Loss(tape, Cosine.Similarity(tape, last, items, 0.05f), labels);
            tape.Backward(Residual.Add(tape, tok, item));
            GradClip.ClipByGlobalNorm(model.Parameters, 1f);
            // A rate that changes every step (the job's schedules live in R2ec.Training's LearningRates).
            opt.LearningRate = 3e-3f * (steps - step) / steps;
            opt.Step();
            opt.ZeroGrad();
        }
        return model.Parameters.Select(p => p.Value.ToArray()).ToArray();
    }

    [Test]
    public void TwentyAdamWStepsAreBitwiseIdenticalForOneAndTwoThreads()
    {
        var one = Train(1, 20);
        var two = Train(2, 20);
        var initial = new TinyTransformer(Config, seed: 11).Parameters.Select(p => p.Value.ToArray()).ToArray();
        Assert.That(one[0], Is.Not.EqualTo(initial[0]), "training changed the weights");
        for (var i = 0; i < one.Length; i++)
            Assert.That(two[i], Is.EqualTo(one[i]), $"parameter {i}");
    }

    [Test]
    public void RepeatedRunsWithTheSameSeedAreBitwiseIdentical()
    {
        var a = Train(2, 5);
        var b = Train(2, 5);
        for (var i = 0; i < a.Length; i++)
            Assert.That(b[i], Is.EqualTo(a[i]), $"parameter {i}");
    }
}
