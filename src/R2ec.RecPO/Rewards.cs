namespace R2ec.RecPO;

/// <summary>
/// The fused RecPO reward of one trajectory (DESIGN.md §2 step 4): a ranking reward
/// <c>R_d = 1/log2(rank+1)</c> when the target's 1-based rank is within the cut-off K (0 otherwise), a calibration reward
/// <c>R_c</c> = the softmax probability of the target over all items, and <c>R = (1-β) R_d + β R_c</c>.
/// </summary>
public static class Rewards
{
    /// <summary>The ranking reward of a 1-based <paramref name="rank"/> under the cut-off <paramref name="cutoff"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rank or the cut-off is below 1.</exception>
    public static double Ranking(int rank, int cutoff)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cutoff, 1);
        return rank <= cutoff ? 1.0 / Math.Log2(rank + 1.0) : 0.0;
    }

    /// <summary>
    /// The softmax probability of item <paramref name="target"/> over <paramref name="scores"/>, computed stably
    /// (max-shifted). Items the caller excludes (the user's history) must already hold negative infinity.
    /// </summary>
    /// <exception cref="ArgumentException">The target is out of range, or its score is not finite.</exception>
    public static double TargetProbability(ReadOnlySpan<float> scores, int target)
    {
        if ((uint)target >= (uint)scores.Length)
            throw new ArgumentException($"target item {target} is outside the {scores.Length} scored items", nameof(target));
        if (!float.IsFinite(scores[target]))
            throw new ArgumentException($"score of target item {target} is {scores[target]}, not a finite number", nameof(scores));
        var max = double.NegativeInfinity;
        foreach (var s in scores)
            if (s > max) max = s;
        var sum = 0.0;
        foreach (var s in scores)
            sum += Math.Exp(s - max);
        return Math.Exp(scores[target] - max) / sum;
    }

    /// <summary>
    /// The softmax probability of item <paramref name="target"/> over every item except the user's
    /// <paramref name="history"/> (the target itself is never excluded), as the rollout worker computes <c>R_c</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The target or a history item is out of range, or a score is not finite.</exception>
    public static double TargetProbability(ReadOnlySpan<float> scores, int target, ReadOnlySpan<int> history)
    {
        if ((uint)target >= (uint)scores.Length)
            throw new ArgumentException($"target item {target} is outside the {scores.Length} scored items", nameof(target));
        // History windows are short; sorted, they are skipped in one merge-like pass without a set.
        Span<int> excluded = history.Length <= 256 ? stackalloc int[history.Length] : new int[history.Length];
        history.CopyTo(excluded);
        excluded.Sort();
        if (excluded.Length > 0 && (excluded[0] < 0 || excluded[^1] >= scores.Length))
            throw new ArgumentException($"a history item lies outside the {scores.Length} scored items", nameof(history));

        var max = double.NegativeInfinity;
        for (var (i, h) = (0, 0); i < scores.Length; i++)
        {
            if (Excluded(excluded, ref h, i, target)) continue;
            if (!float.IsFinite(scores[i]))
                throw new ArgumentException($"score of item {i} is {scores[i]}, not a finite number", nameof(scores));
            max = Math.Max(max, scores[i]);
        }
        var sum = 0.0;
        for (var (i, h) = (0, 0); i < scores.Length; i++)
            if (!Excluded(excluded, ref h, i, target))
                sum += Math.Exp(scores[i] - max);
        return Math.Exp(scores[target] - max) / sum;
    }

    private static bool Excluded(ReadOnlySpan<int> sortedHistory, ref int next, int item, int target)
    {
        while (next < sortedHistory.Length && sortedHistory[next] < item) next++;
        return item != target && next < sortedHistory.Length && sortedHistory[next] == item;
    }

    /// <summary>The fused reward <c>(1-β) R_d + β R_c</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">β is outside [0, 1].</exception>
    public static double Fused(double rankingReward, double targetProbability, double beta)
    {
        if (!(beta is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must lie in [0, 1]");
        return (1 - beta) * rankingReward + beta * targetProbability;
    }

    /// <summary>Fused rewards of many trajectories from their target ranks and target probabilities.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Fused(ReadOnlySpan<int> ranks, ReadOnlySpan<double> targetProbabilities, int cutoff, double beta,
        Span<double> rewards)
    {
        if (targetProbabilities.Length != ranks.Length || rewards.Length != ranks.Length)
            throw new ArgumentException(
                $"ranks ({ranks.Length}), target probabilities ({targetProbabilities.Length}) and rewards ({rewards.Length}) must have the same length");
        for (var i = 0; i < ranks.Length; i++)
            rewards[i] = Fused(Ranking(ranks[i], cutoff), targetProbabilities[i], beta);
    }
}
