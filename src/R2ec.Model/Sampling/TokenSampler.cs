using System.Numerics.Tensors;
using R2ec.Tensors.Ops;

namespace R2ec.Model.Sampling;

/// <summary>Draws one token from a row of logits with temperature, top-k and top-p, from one uniform number.</summary>
public sealed class TokenSampler
{
    private readonly SamplingOptions _options;
    private readonly float[] _scratch;
    private readonly int[] _order;

    /// <summary>A sampler for rows of <paramref name="vocabSize"/> logits (holds scratch buffers: one per thread).</summary>
    public TokenSampler(SamplingOptions options, int vocabSize)
    {
        options.Validate(vocabSize);
        _options = options;
        _scratch = new float[vocabSize];
        _order = new int[options.TopK > 0 ? Math.Min(options.TopK, vocabSize) : vocabSize];
    }

    /// <summary>
    /// Picks a token from <paramref name="logits"/> with <paramref name="uniform"/> in [0, 1) and returns it with its
    /// log-prob under the policy at the sampling temperature and under the plain policy (temperature 1). Neither applies
    /// top-k or top-p: the first is PPO's old log-prob, and the learner recomputes the same distribution (softmax of
    /// logits/T over the whole vocabulary), so the ratio is exactly 1 before any update, as verl and TRL compute it.
    /// Under the truncated distribution the ratio would start at the kept mass Z &lt; 1 and clipping would remove the
    /// gradient of negative-advantage tokens. Greedy decoding reports 0 for the first.
    /// </summary>
    public (int Token, float SamplingLogProb, float PolicyLogProb) Choose(ReadOnlySpan<float> logits, double uniform)
    {
        var (max, logSum) = Softmax.LogSumExpParts(logits, _scratch);
        int token;
        float samplingLogProb;
        if (_options.Greedy)
        {
            token = TensorPrimitives.IndexOfMax(logits);
            samplingLogProb = 0f;
        }
        else
        {
            token = Draw(logits, uniform);
            // Softmax of logits/T over the whole vocabulary; _scratch is free again after the draw.
            var invT = 1f / _options.Temperature;
            var tempered = _scratch.AsSpan(0, logits.Length);
            TensorPrimitives.Multiply(logits, invT, tempered);
            var (tMax, tLogSum) = Softmax.LogSumExpParts(tempered, tempered);
            samplingLogProb = logits[token] * invT - tMax - tLogSum;
        }
        return (token, samplingLogProb, logits[token] - max - logSum);
    }

    private int Draw(ReadOnlySpan<float> logits, double uniform)
    {
        var invT = 1f / _options.Temperature;
        var filtered = _options.TopK > 0 || _options.TopP < 1f;
        if (!filtered)
        {
            // Plain softmax in index order.
            var p = _scratch.AsSpan(0, logits.Length);
            TensorPrimitives.Multiply(logits, invT, p);
            var max = TensorPrimitives.Max(p);
            TensorPrimitives.Subtract(p, max, p);
            TensorPrimitives.Exp(p, p);
            var sum = (double)TensorPrimitives.Sum(p);
            return Pick(p, i => i, sum, uniform);
        }
        // Candidates best first (ties: lower id first), then the nucleus prefix of them. Without top-k the nucleus is
        // found among the best 64, 256, … tokens, growing only while it is not reached, instead of sorting the vocabulary.
        var limit = _order.Length;
        var order = _order.AsSpan();
        var q = _scratch.AsSpan(0, limit);
        var best = TensorPrimitives.Max(logits) * invT;
        double total;
        var k = limit;
        if (_options.TopK > 0)
        {
            total = Candidates(logits, invT, best, order, q);
        }
        else
        {
            var all = _scratch.AsSpan(0, logits.Length);
            TensorPrimitives.Multiply(logits, invT, all);
            TensorPrimitives.Subtract(all, best, all);
            TensorPrimitives.Exp(all, all);
            total = TensorPrimitives.Sum(all);
            k = Math.Min(64, limit);
            Candidates(logits, invT, best, order[..k], q[..k]);
        }
        var keep = k;
        while (_options.TopP < 1f)
        {
            var cumulative = 0.0;
            var found = -1;
            for (var i = 0; i < k; i++)
            {
                cumulative += q[i];
                if (cumulative >= _options.TopP * total)
                {
                    found = i + 1;
                    break;
                }
            }
            if (found > 0 || k == limit)
            {
                keep = found > 0 ? found : k;
                break;
            }
            k = Math.Min(limit, k * 4);
            Candidates(logits, invT, best, order[..k], q[..k]);
        }
        var kept = q[..keep];
        var keptSum = (double)TensorPrimitives.Sum(kept);
        var orderArray = _order;
        return Pick(kept, i => orderArray[i], keptSum, uniform);
    }

    // The order.Length best tokens, best first, and their weights exp(z/T − best); returns the sum of the weights.
    private static double Candidates(ReadOnlySpan<float> logits, float invT, float best, Span<int> order, Span<float> q)
    {
        TopK.Select(logits, order);
        for (var i = 0; i < order.Length; i++)
            q[i] = MathF.Exp(logits[order[i]] * invT - best);
        return TensorPrimitives.Sum(q);
    }

    // Inverse CDF over unnormalised weights w (sum given); returns the token.
    private static int Pick(ReadOnlySpan<float> w, Func<int, int> tokenOf, double sum, double uniform)
    {
        var target = uniform * sum;
        var cumulative = 0.0;
        var chosen = -1;
        for (var i = 0; i < w.Length; i++)
        {
            if (w[i] <= 0f)
                continue;
            chosen = i;
            cumulative += w[i];
            if (cumulative > target)
                break;
        }
        return tokenOf(chosen);
    }
}
