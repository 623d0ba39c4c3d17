using R2ec.Tensors.Ops;
using R2ec.Tensors.Tests.Support;

namespace R2ec.Tensors.Tests.Ops;

/// <summary>Gradient checks of the per-element and per-row ops against float64 references.</summary>
public class ElementwiseOpTests
{
    [Test]
    public void LinearWithBiasAndScale()
    {
        const int rows = 5, inDim = 7, outDim = 4;
        GradCheck.Check("linear", [(GradCheck.Random(rows * inDim, 1), [rows, inDim]), (GradCheck.Random(outDim * inDim, 2), [outDim, inDim]), (GradCheck.Random(outDim, 3), [outDim])],
            x => Reference.Linear(x[0], rows, inDim, x[1], outDim, x[2], 0.5),
            (t, v) => Linear.Apply(t, v[0], v[1], v[2], 0.5f));
    }

    [Test]
    public void EmbeddingWithRepeatedIds()
    {
        int[] ids = [3, 1, 3, 0, 3];
        GradCheck.Check("embedding", [(GradCheck.Random(4 * 6, 1), [4, 6])],
            x => Reference.Gather(x[0], 6, ids),
            (t, v) => Embedding.Lookup(t, v[0], ids));
    }

    [Test]
    public void EmbeddingRejectsIdOutsideTable()
    {
        using var tape = new Autograd.Tape();
        var table = Autograd.Variable.Parameter(Tensor.Zeros(4, 2), "emb");
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Embedding.Lookup(tape, table, [1, 4]));
        Assert.That(ex!.Message, Does.Contain("token id 4 at position 1"));
    }

    [Test]
    public void RmsNormInputAndWeight()
    {
        GradCheck.Check("rmsnorm", [(GradCheck.Random(3 * 40, 1), [3, 40]), (GradCheck.Random(40, 2), [40])],
            x => Reference.RmsNorm(x[0], 40, x[1], 1e-6),
            (t, v) => RmsNorm.Apply(t, v[0], v[1], 1e-6f));
    }

    [Test]
    public void RopeInterleavedPairs()
    {
        var table = new RopeTable(8, 10000, 32);
        GradCheck.Check("rope", [(GradCheck.Random(6 * 16, 1), [6, 16])],
            x => Reference.Rope(x[0], 16, 8, 3, 5, 10000),
            (t, v) => Rope.Apply(t, v[0], table, seq: 3, start: 5));
    }

    [Test]
    public void Silu() =>
        GradCheck.Check("silu", [(GradCheck.Random(2100, 1, 3), [2100])],
            x => x[0].Select(Reference.Silu).ToArray(),
            (t, v) => Activations.Silu(t, v[0]));

    [Test]
    public void SwiGlu() =>
        GradCheck.Check("swiglu", [(GradCheck.Random(1500, 1, 3), [30, 50]), (GradCheck.Random(1500, 2), [30, 50])],
            x => Reference.SwiGlu(x[0], x[1]),
            (t, v) => Activations.SwiGlu(t, v[0], v[1]));

    [Test]
    public void ResidualAdd() =>
        GradCheck.Check("add", [(GradCheck.Random(12, 1), [3, 4]), (GradCheck.Random(12, 2), [3, 4])],
            x => Reference.Add(x[0], x[1]),
            (t, v) => Residual.Add(t, v[0], v[1]));

    [Test]
    public void Softmax() =>
        GradCheck.Check("softmax", [(GradCheck.Random(4 * 9, 1, 3), [4, 9])],
            x => Reference.Softmax(x[0], 9, log: false),
            (t, v) => R2ec.Tensors.Ops.Softmax.Apply(t, v[0]));

    [Test]
    public void LogSoftmax() =>
        GradCheck.Check("log_softmax", [(GradCheck.Random(4 * 9, 1, 3), [4, 9])],
            x => Reference.Softmax(x[0], 9, log: true),
            (t, v) => R2ec.Tensors.Ops.Softmax.Log(t, v[0]));

    [Test]
    public void SoftmaxIsStableForLargeLogits()
    {
        var x = new float[] { 1000f, 1001f, -1000f };
        var y = new float[3];
        R2ec.Tensors.Ops.Softmax.Rows(x, 1, 3, y, log: true);
        Assert.That(y.All(float.IsFinite), Is.True);
        Assert.That(y[1], Is.EqualTo(-MathF.Log(1 + MathF.Exp(-1))).Within(1e-6));
    }

    [Test]
    public void L2Normalize() =>
        GradCheck.Check("l2normalize", [(GradCheck.Random(5 * 6, 1), [5, 6])],
            x => Reference.L2Normalize(x[0], 6),
            (t, v) => Cosine.L2Normalize(t, v[0]));

    [Test]
    public void CosineSimilarityWithTemperature() =>
        GradCheck.Check("cosine", [(GradCheck.Random(3 * 6, 1), [3, 6]), (GradCheck.Random(7 * 6, 2), [7, 6])],
            x => Reference.Linear(Reference.L2Normalize(x[0], 6), 3, 6, Reference.L2Normalize(x[1], 6), 7, null, 1 / 0.05),
            (t, v) => Cosine.Similarity(t, v[0], v[1], 0.05f));
}
