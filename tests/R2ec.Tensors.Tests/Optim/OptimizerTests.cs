using R2ec.Tensors.Autograd;
using R2ec.Tensors.Ops;
using R2ec.Tensors.Optim;

namespace R2ec.Tensors.Tests.Optim;

public class AdamWTests
{
    [Test]
    public void MatchesTheTorchUpdateOverThreeSteps()
    {
        var p = Variable.Parameter(Tensor.FromArray([1f, -2f, 0.5f], 3), "p");
        var opt = new AdamW([p], learningRate: 0.1f, weightDecay: 0.1f);
        double[] w = [1, -2, 0.5], m = new double[3], v = new double[3];
        double[][] grads = [[0.3, -1, 2], [0.1, 0.2, -0.3], [-1, 0, 0.5]];
        for (var t = 1; t <= 3; t++)
        {
            var grad = p.EnsureGrad();
            for (var i = 0; i < 3; i++)
            {
                grad.Span[i] = (float)grads[t - 1][i];
                w[i] *= 1 - 0.1 * 0.1;
                m[i] = 0.9 * m[i] + 0.1 * grads[t - 1][i];
                v[i] = 0.999 * v[i] + 0.001 * grads[t - 1][i] * grads[t - 1][i];
                var denom = Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(0.999, t)) + 1e-8;
                w[i] -= 0.1 / (1 - Math.Pow(0.9, t)) * m[i] / denom;
            }
            opt.Step();
        }
        Assert.That(p.Value.ToArray(), Is.EqualTo(w.Select(x => (float)x).ToArray()).Within(1e-5f));
        Assert.That(opt.StepCount, Is.EqualTo(3));
    }

    [Test]
    public void ZeroGradientOnlyDecays()
    {
        var p = Variable.Parameter(Tensor.FromArray([2f], 1), "p");
        p.EnsureGrad();
        new AdamW([p], learningRate: 0.5f, weightDecay: 0.2f).Step();
        Assert.That(p.Value.Span[0], Is.EqualTo(2f * (1 - 0.5f * 0.2f)).Within(1e-6f));
    }

    [Test]
    public void GradientAccumulationOverMicroBatchesEqualsTheFullBatch()
    {
        var w1 = Variable.Parameter(Tensor.FromArray([0.1f, -0.2f, 0.3f, 0.4f, 0.5f, -0.6f], 2, 3), "w");
        var w2 = Variable.Parameter(w1.Value.Clone(), "w");
        var x = Tensor.FromArray([1f, 2f, 3f, -1f, 0f, 1f, 2f, 2f, -2f, 0.5f, 1f, 1.5f], 4, 3);
        int[] targets = [0, 1, 1, 0];
        using (var tape = new Tape())
            tape.Backward(CrossEntropy.Loss(tape, Linear.Apply(tape, Variable.Constant(x), w1), targets));
        for (var half = 0; half < 2; half++)
        {
            using var tape = new Tape();
            var loss = CrossEntropy.Loss(tape, Linear.Apply(tape, Variable.Constant(x.Rows(2 * half, 2)), w2), targets.AsSpan(2 * half, 2));
            tape.Backward(loss, 0.5f);
        }
        Assert.That(w2.Grad!.ToArray(), Is.EqualTo(w1.Grad!.ToArray()).Within(1e-6f));
    }
}

public class GradClipTests
{
    [Test]
    public void ScalesToTheMaximumGlobalNorm()
    {
        var a = Variable.Parameter(Tensor.Zeros(2), "a");
        var b = Variable.Parameter(Tensor.Zeros(1), "b");
        a.EnsureGrad().Span[0] = 3f;
        b.EnsureGrad().Span[0] = 4f;
        var norm = GradClip.ClipByGlobalNorm([a, b], 1f);
        Assert.That(norm, Is.EqualTo(5f).Within(1e-6f));
        Assert.That(a.Grad!.Span[0], Is.EqualTo(0.6f).Within(1e-5f));
        Assert.That(b.Grad!.Span[0], Is.EqualTo(0.8f).Within(1e-5f));
    }

    [Test]
    public void LeavesSmallGradientsAlone()
    {
        var a = Variable.Parameter(Tensor.Zeros(1), "a");
        a.EnsureGrad().Span[0] = 0.5f;
        GradClip.ClipByGlobalNorm([a], 1f);
        Assert.That(a.Grad!.Span[0], Is.EqualTo(0.5f));
    }
}
