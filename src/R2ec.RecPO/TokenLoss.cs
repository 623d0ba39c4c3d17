namespace R2ec.RecPO;

/// <summary>Value and diagnostics of the token loss of one mini-batch.</summary>
/// <param name="Loss">The loss: the negative clipped surrogate, token-mean per trajectory, averaged over trajectories.</param>
/// <param name="ClipFraction">Fraction of masked tokens whose clipped term was the minimum (their gradient is zero).</param>
/// <param name="ApproxKl">Mean k3 estimate of KL(old ‖ new) over masked tokens: <c>(ρ - 1) - log ρ</c>.</param>
/// <param name="Tokens">Number of masked (counted) tokens.</param>
/// <param name="MaxRatioDeviation">Largest <c>|ρ − 1|</c> over masked tokens: 0 (to rounding) at the weights that sampled them.</param>
public readonly record struct TokenLossResult(double Loss, double ClipFraction, double ApproxKl, int Tokens, double MaxRatioDeviation = 0);

/// <summary>
/// The token-level PPO-clip loss of RecPO (DESIGN.md §2 step 5):
/// <c>L = mean_traj [ -Σ_t m_t min(ρ_t A, clip(ρ_t, 1-ε_low, 1+ε_high) A) / Σ_t m_t ]</c> with
/// <c>ρ_t = exp(logp_new - logp_old)</c>, where <c>logp_old</c> are the log-probabilities stored when the tokens were
/// sampled (not the detached current ones, which make ρ ≡ 1: defect (b) of §4), and <c>A</c> is the trajectory's
/// advantage broadcast over its own tokens (defect (a)).
/// </summary>
public static class TokenLoss
{
    /// <summary>
    /// Computes the loss and writes its gradient with respect to each token's new log-probability.
    /// Tokens are ragged: trajectory <c>i</c> owns <c>[offsets[i], offsets[i+1])</c> of the per-token spans
    /// (the learner's <c>PolicyBatchOutput.Offsets</c>). A trajectory whose mask sums to 0 is left out of the average.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths disagree, offsets are not ascending, or a value is not finite.</exception>
    public static TokenLossResult Compute(ReadOnlySpan<int> offsets, ReadOnlySpan<float> logpNew, ReadOnlySpan<float> logpOld,
        ReadOnlySpan<float> mask, ReadOnlySpan<double> advantages, ClipRange clip, Span<float> gradLogpNew) =>
        Compute(offsets, logpNew, logpOld, mask, advantages, clip, gradLogpNew, []);

    /// <summary>
    /// The same loss with each token's term (and gradient) multiplied by its importance weight <paramref name="importance"/>
    /// (<see cref="ImportanceWeights"/>: groups sampled by an older policy); empty weights are all 1, the synchronous loss
    /// bit for bit. The per-trajectory token mean still divides by the mask, so a weight scales its token's share.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths disagree, offsets are not ascending, or a value is not finite.</exception>
    public static TokenLossResult Compute(ReadOnlySpan<int> offsets, ReadOnlySpan<float> logpNew, ReadOnlySpan<float> logpOld,
        ReadOnlySpan<float> mask, ReadOnlySpan<double> advantages, ClipRange clip, Span<float> gradLogpNew, ReadOnlySpan<float> importance)
    {
        clip.Validate();
        var trajectories = offsets.Length - 1;
        if (trajectories < 0 || advantages.Length != trajectories)
            throw new ArgumentException($"offsets ({offsets.Length}) must hold one more entry than advantages ({advantages.Length})", nameof(offsets));
        var tokens = logpNew.Length;
        if (logpOld.Length != tokens || mask.Length != tokens || gradLogpNew.Length != tokens)
            throw new ArgumentException(
                $"logp_new ({tokens}), logp_old ({logpOld.Length}), mask ({mask.Length}) and gradient ({gradLogpNew.Length}) must have the same length");
        if (!importance.IsEmpty && importance.Length != tokens)
            throw new ArgumentException($"importance weights ({importance.Length}) must have one entry per token ({tokens})", nameof(importance));
        if (trajectories >= 0 && (offsets[0] != 0 || offsets[trajectories] != tokens))
            throw new ArgumentException($"offsets must start at 0 and end at the token count {tokens}", nameof(offsets));

        gradLogpNew.Clear();
        var counted = 0;
        for (var i = 0; i < trajectories; i++)
        {
            if (offsets[i + 1] < offsets[i])
                throw new ArgumentException($"offsets must not decrease (offset {i + 1} is {offsets[i + 1]} < {offsets[i]})", nameof(offsets));
            if (MaskSum(mask, offsets[i], offsets[i + 1]) > 0) counted++;
        }

        double loss = 0, kl = 0, maskTotal = 0, clippedTotal = 0, maxDeviation = 0;
        var maskedTokens = 0;
        for (var i = 0; i < trajectories; i++)
        {
            var (start, end) = (offsets[i], offsets[i + 1]);
            var denominator = MaskSum(mask, start, end);
            if (denominator <= 0) continue;
            var advantage = advantages[i];
            if (!double.IsFinite(advantage))
                throw new ArgumentException($"advantage of trajectory {i} is {advantage}, not a finite number", nameof(advantages));
            var scale = 1.0 / (counted * denominator);
            for (var t = start; t < end; t++)
            {
                var m = mask[t];
                if (m == 0) continue;
                // Weighted tokens weigh m·w; unweighted ones keep the float m exactly as the synchronous loss does.
                var mw = importance.IsEmpty ? m : m * (double)importance[t];
                if (!double.IsFinite(mw) || mw < 0)
                    throw new ArgumentException($"token {t}: importance weight {importance[t]} must be a finite number ≥ 0", nameof(importance));
                var logRatio = (double)logpNew[t] - logpOld[t];
                if (!double.IsFinite(logRatio))
                    throw new ArgumentException($"token {t}: logp_new {logpNew[t]} and logp_old {logpOld[t]} must be finite");
                var ratio = Math.Exp(logRatio);
                maxDeviation = Math.Max(maxDeviation, Math.Abs(ratio - 1));
                var surrogate = ClippedSurrogate.Evaluate(ratio, advantage, clip, out var dLogRatio, out var clipped);
                loss -= mw * surrogate * scale;
                gradLogpNew[t] = (float)(-mw * dLogRatio * scale);
                kl += m * (ratio - 1 - logRatio);
                if (clipped) clippedTotal += m;
                maskTotal += m;
                maskedTokens++;
            }
        }
        return maskTotal > 0
            ? new TokenLossResult(loss, clippedTotal / maskTotal, kl / maskTotal, maskedTokens, maxDeviation)
            : new TokenLossResult(0, 0, 0, 0);
    }

    private static double MaskSum(ReadOnlySpan<float> mask, int start, int end)
    {
        var sum = 0.0;
        for (var t = start; t < end; t++)
        {
            if (!(mask[t] >= 0 && float.IsFinite(mask[t])))
                throw new ArgumentException($"mask of token {t} is {mask[t]}; it must be a finite weight ≥ 0", nameof(mask));
            sum += mask[t];
        }
        return sum;
    }
}
