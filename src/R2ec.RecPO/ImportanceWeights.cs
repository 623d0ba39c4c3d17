namespace R2ec.RecPO;

/// <summary>
/// Truncated importance weights for groups sampled by an older policy (<c>Learner:MaxStaleness</c> &gt; 0, DESIGN.md §2,
/// asynchronous mode). The PPO ratio of the losses is taken to the proximal policy (the learner's weights when the step
/// starts), and each term is weighted by <c>w = min(π_prox / π_behaviour, c)</c>, the ratio of the proximal to the
/// sampling (behaviour) policy truncated at the cap <c>c</c>, as in decoupled PPO and truncated importance sampling: the
/// weight corrects the version lag, the cap bounds the variance a rare token would otherwise bring.
/// </summary>
public static class ImportanceWeights
{
    /// <summary>The truncated weight of one term and whether the cap bounded it.</summary>
    /// <exception cref="ArgumentException">A log-probability is not finite or the cap is not a number ≥ 1.</exception>
    public static double Truncated(double logpProximal, double logpBehaviour, double cap, out bool capped)
    {
        CheckCap(cap);
        var logRatio = logpProximal - logpBehaviour;
        if (!double.IsFinite(logRatio))
            throw new ArgumentException($"log-probabilities must be finite (proximal {logpProximal}, behaviour {logpBehaviour})");
        var ratio = Math.Exp(logRatio);
        capped = ratio > cap;
        return capped ? cap : ratio;
    }

    /// <summary>
    /// Writes <c>min(exp(logp_prox − logp_behaviour), cap)</c> of every term into <paramref name="weights"/> and returns
    /// how many were capped.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths disagree, a log-probability is not finite, or the cap is not a number ≥ 1.</exception>
    public static int Truncated(ReadOnlySpan<float> logpProximal, ReadOnlySpan<float> logpBehaviour, double cap, Span<float> weights)
    {
        CheckCap(cap);
        if (logpBehaviour.Length != logpProximal.Length || weights.Length != logpProximal.Length)
            throw new ArgumentException(
                $"proximal ({logpProximal.Length}) and behaviour ({logpBehaviour.Length}) log-probs and weights ({weights.Length}) must have the same length");
        var capped = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)Truncated(logpProximal[i], logpBehaviour[i], cap, out var c);
            if (c) capped++;
        }
        return capped;
    }

    private static void CheckCap(double cap)
    {
        if (!(cap >= 1 && double.IsFinite(cap)))
            throw new ArgumentOutOfRangeException(nameof(cap), cap, "the importance cap must be a finite number ≥ 1");
    }
}
