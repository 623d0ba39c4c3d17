using System.Runtime.Intrinsics;
using R2ec.Tensors.Autograd;

namespace R2ec.Tensors.Optim;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter), bias-corrected moments, the update of
/// <c>torch.optim.AdamW</c>: <c>p ← p·(1 − lr·wd)</c>, then <c>p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)</c>.
/// </summary>
/// <remarks>
/// Gradients accumulate in the parameters over as many backward passes as the caller runs (gradient accumulation);
/// <see cref="Step"/> applies them and <see cref="ZeroGrad"/> clears them.
/// </remarks>
public sealed class AdamW
{
    private readonly Variable[] _parameters;
    private readonly float[][] _m;
    private readonly float[][] _v;

    /// <summary>Optimises <paramref name="parameters"/> with the PyTorch defaults unless given.</summary>
    public AdamW(IEnumerable<Variable> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f)
    {
        _parameters = parameters.ToArray();
        foreach (var p in _parameters)
        {
            if (!p.IsParameter)
                throw new ArgumentException($"'{p.Name}' is not a parameter", nameof(parameters));
        }
        _m = _parameters.Select(p => new float[p.Value.Length]).ToArray();
        _v = _parameters.Select(p => new float[p.Value.Length]).ToArray();
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
    }

    /// <summary>Learning rate of the next step (a schedule sets it before each step).</summary>
    public float LearningRate { get; set; }

    /// <summary>First-moment decay.</summary>
    public float Beta1 { get; }

    /// <summary>Second-moment decay.</summary>
    public float Beta2 { get; }

    /// <summary>Denominator term.</summary>
    public float Epsilon { get; }

    /// <summary>Decoupled weight decay coefficient.</summary>
    public float WeightDecay { get; }

    /// <summary>Steps taken.</summary>
    public int StepCount { get; private set; }

    /// <summary>The parameters, in the order given.</summary>
    public IReadOnlyList<Variable> Parameters => _parameters;

    /// <summary>First moments of parameter <paramref name="index"/> (for checkpoints).</summary>
    public Span<float> FirstMoment(int index) => _m[index];

    /// <summary>Second moments of parameter <paramref name="index"/> (for checkpoints).</summary>
    public Span<float> SecondMoment(int index) => _v[index];

    /// <summary>Restores the step counter from a checkpoint.</summary>
    public void RestoreStepCount(int steps) => StepCount = steps;

    /// <summary>Applies one update from the accumulated gradients; parameters without a gradient are left alone.</summary>
    public void Step()
    {
        StepCount++;
        var bc1 = 1.0 - Math.Pow(Beta1, StepCount);
        var bc2 = 1.0 - Math.Pow(Beta2, StepCount);
        var stepSize = (float)(LearningRate / bc1);
        var invSqrtBc2 = (float)(1.0 / Math.Sqrt(bc2));
        var decay = 1f - LearningRate * WeightDecay;
        for (var i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i].Grad is not { } grad)
                continue;
            Update(_parameters[i].Value.Span, grad.Span, _m[i], _v[i], decay, stepSize, invSqrtBc2);
        }
    }

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters)
            p.ZeroGrad();
    }

    private unsafe void Update(Span<float> param, ReadOnlySpan<float> grad, float[] m, float[] v, float decay, float stepSize, float invSqrtBc2)
    {
        var b1 = Beta1;
        var b2 = Beta2;
        var eps = Epsilon;
        var n = param.Length;
        fixed (float* pp = param, pg = grad, pm = m, pv = v)
        {
            var (ppn, pgn, pmn, pvn) = ((nint)pp, (nint)pg, (nint)pm, (nint)pv);
            Engine.For((n + 15) / 16, 1024, (c0, c1) =>
            {
                float* P = (float*)ppn, G = (float*)pgn, M = (float*)pmn, V = (float*)pvn;
                var i = c0 * 16;
                var end = Math.Min(n, c1 * 16);
                var vb1 = Vector512.Create(b1);
                var vb1c = Vector512.Create(1f - b1);
                var vb2 = Vector512.Create(b2);
                var vb2c = Vector512.Create(1f - b2);
                var vdecay = Vector512.Create(decay);
                var vstep = Vector512.Create(stepSize);
                var vbc2 = Vector512.Create(invSqrtBc2);
                var veps = Vector512.Create(eps);
                for (; i + 16 <= end; i += 16)
                {
                    var g = Vector512.Load(G + i);
                    var mi = vb1 * Vector512.Load(M + i) + vb1c * g;
                    var vi = vb2 * Vector512.Load(V + i) + vb2c * (g * g);
                    mi.Store(M + i);
                    vi.Store(V + i);
                    var denom = Vector512.Sqrt(vi) * vbc2 + veps;
                    (Vector512.Load(P + i) * vdecay - vstep * (mi / denom)).Store(P + i);
                }
                for (; i < end; i++)
                {
                    var g = G[i];
                    var mi = b1 * M[i] + (1f - b1) * g;
                    var vi = b2 * V[i] + (1f - b2) * (g * g);
                    M[i] = mi;
                    V[i] = vi;
                    var denom = MathF.Sqrt(vi) * invSqrtBc2 + eps;
                    P[i] = P[i] * decay - stepSize * (mi / denom);
                }
            });
        }
    }
}
