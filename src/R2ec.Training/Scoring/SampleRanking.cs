using R2ec.Data.Datasets;
using R2ec.RecPO;

namespace R2ec.Training.Scoring;

/// <summary>
/// Where a sample's target lands among all items' scores (index = item - 1) with the sample's history masked: the
/// rank for rewards and metrics, the softmax probability for the calibration reward.
/// </summary>
public static class SampleRanking
{
    /// <summary>The target's 1-based rank, history masked, ties to the lower item number.</summary>
    public static int Rank(ReadOnlySpan<float> scores, Sample sample)
    {
        Span<int> history = sample.History.Length <= 256 ? stackalloc int[sample.History.Length] : new int[sample.History.Length];
        return RankingMetrics.Rank(scores, sample.Target - 1, Indices(sample, history));
    }

    /// <summary>The target's softmax probability over all items with its history (other than the target) left out.</summary>
    public static double TargetProbability(ReadOnlySpan<float> scores, Sample sample)
    {
        Span<int> history = sample.History.Length <= 256 ? stackalloc int[sample.History.Length] : new int[sample.History.Length];
        return Rewards.TargetProbability(scores, sample.Target - 1, Indices(sample, history));
    }

    // Item numbers are 1..N; score indices are 0..N-1.
    private static ReadOnlySpan<int> Indices(Sample sample, Span<int> history)
    {
        for (var h = 0; h < history.Length; h++)
            history[h] = sample.History[h] - 1;
        return history;
    }
}
