using R2ec.Tensors.Autograd;
using R2ec.Tensors.Ops;
using R2ec.Tensors.Tests.Support;

namespace R2ec.Tensors.Tests.Ops;

public class CrossEntropyTests
{
    private static readonly int[] Targets = [2, -100, 0, 6, 6];

    [Test]
    public void TokenLogProbsWithIgnoredRow() =>
        GradCheck.Check("token_logprobs", [(GradCheck.Random(5 * 7, 1, 2), [5, 7])],
            x => Reference.TokenLogProbs(x[0], 7, Targets, -100),
            (t, v) => CrossEntropy.TokenLogProbs(t, v[0], Targets));

    [Test]
    public void MeanLossOverCountedRows() =>
        GradCheck.Check("cross_entropy", [(GradCheck.Random(5 * 7, 1, 2), [5, 7])],
            x => [-Reference.TokenLogProbs(x[0], 7, Targets, -100).Sum() / 4],
            (t, v) => CrossEntropy.Loss(t, v[0], Targets));

    [Test]
    public void IgnoredRowGetsNoGradient()
    {
        var logits = Variable.Parameter(Tensor.FromArray(GradCheck.Random(5 * 7, 1).Select(v => (float)v).ToArray(), 5, 7), "logits");
        using var tape = new Tape();
        tape.Backward(CrossEntropy.Loss(tape, logits, Targets));
        Assert.That(logits.Grad!.Span.Slice(7, 7).ToArray(), Is.All.EqualTo(0f));
    }

    [Test]
    public void TargetOutsideVocabularyIsAnError()
    {
        using var tape = new Tape();
        var logits = Variable.Constant(Tensor.Zeros(2, 3));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => CrossEntropy.Loss(tape, logits, [0, 3]));
        Assert.That(ex!.Message, Does.Contain("target 3 at row 1"));
    }
}
