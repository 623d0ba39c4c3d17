namespace R2ec.RecPO;

/// <summary>
/// The asymmetric PPO clip range: ratios are clipped to <c>[1 - EpsLow, 1 + EpsHigh]</c> (DAPO-style "clip higher";
/// the paper uses 0.2 / 0.28).
/// </summary>
/// <param name="EpsLow">How far below 1 the ratio may go before clipping.</param>
/// <param name="EpsHigh">How far above 1 the ratio may go before clipping.</param>
public readonly record struct ClipRange(double EpsLow, double EpsHigh)
{
    /// <summary>The paper's range, ε_low 0.2 and ε_high 0.28.</summary>
    public static ClipRange Paper => new(0.2, 0.28);

    /// <summary>Throws unless 0 ≤ ε_low &lt; 1 and ε_high ≥ 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound is out of range.</exception>
    public void Validate()
    {
        if (!(EpsLow is >= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(EpsLow), EpsLow, "eps_low must lie in [0, 1)");
        if (!(EpsHigh >= 0 && double.IsFinite(EpsHigh)))
            throw new ArgumentOutOfRangeException(nameof(EpsHigh), EpsHigh, "eps_high must be a finite number ≥ 0");
    }
}

/// <summary>The clipped surrogate <c>min(ρA, clip(ρ)A)</c> of one sample, shared by the token and item losses.</summary>
internal static class ClippedSurrogate
{
    /// <summary>
    /// The surrogate's value and its derivative with respect to log ρ. The derivative is <c>ρA</c> where the unclipped
    /// term is the minimum and 0 where the clipped (constant) term is; <paramref name="clipped"/> says which.
    /// </summary>
    public static double Evaluate(double ratio, double advantage, ClipRange clip, out double dLogRatio, out bool clipped)
    {
        var bounded = Math.Clamp(ratio, 1 - clip.EpsLow, 1 + clip.EpsHigh);
        var unclippedTerm = ratio * advantage;
        var clippedTerm = bounded * advantage;
        clipped = clippedTerm < unclippedTerm;
        dLogRatio = clipped ? 0 : unclippedTerm;
        return clipped ? clippedTerm : unclippedTerm;
    }
}
