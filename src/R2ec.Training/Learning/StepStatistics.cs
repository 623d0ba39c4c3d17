using R2ec.Training.Compute;
using R2ec.Training.Messages;

namespace R2ec.Training.Learning;

/// <summary>The per-step statistics of DESIGN.md §6 from a step's groups and its mini-batches' statistics.</summary>
public static class StepStatistics
{
    /// <summary>Reward, advantage and loss statistics; timings are filled in by the caller.</summary>
    public static StepMetrics Summarize(IReadOnlyList<RewardedGroup> groups, IReadOnlyList<LearnStats> miniBatches, ulong learnerVersion)
    {
        var rewards = groups.SelectMany(g => g.Rewards).ToArray();
        var advantages = groups.SelectMany(g => g.Advantages).ToArray();
        var (rewardMean, rewardStd) = MeanStd(rewards);
        var (advMean, advStd) = MeanStd(advantages);
        var stepped = miniBatches.Where(m => m.GradNorm > 0).ToList();
        var metrics = new StepMetrics
        {
            RewardMean = rewardMean,
            RewardStd = rewardStd,
            AdvantageMean = advMean,
            AdvantageStd = advStd,
            TokenLoss = miniBatches.Count == 0 ? 0 : miniBatches.Average(m => m.TokenLoss),
            ItemLoss = miniBatches.Count == 0 ? 0 : miniBatches.Average(m => m.ItemLoss),
            ClipFraction = miniBatches.Count == 0 ? 0 : miniBatches.Average(m => m.ClipFraction),
            ApproxKl = miniBatches.Count == 0 ? 0 : miniBatches.Average(m => m.ApproxKl),
            GradNorm = stepped.Count == 0 ? 0 : stepped.Average(m => m.GradNorm),
            GroupsReceived = (uint)groups.Count,
            MaxVersionLag = groups.Count == 0 ? 0 : groups.Max(g => learnerVersion - Math.Min(learnerVersion, g.Group.PolicyVersion)),
            Trajectories = (uint)rewards.Length,
            GeneratedTokens = (ulong)groups.Sum(g => (long)g.Group.GeneratedTokens),
            RolloutComputeSeconds = groups.Sum(g => g.Group.ComputeSeconds),
            RewardSeconds = groups.Sum(g => g.RewardSeconds),
            CappedTokenFraction = miniBatches.Count == 0 ? 0 : miniBatches.Average(m => m.CappedTokenFraction),
            CappedItemFraction = miniBatches.Count == 0 ? 0 : miniBatches.Average(m => m.CappedItemFraction),
        };
        metrics.VersionLags.AddRange(groups.Select(g => learnerVersion - Math.Min(learnerVersion, g.Group.PolicyVersion)));
        return metrics;
    }

    /// <summary>Mean and population standard deviation (0, 0 for none).</summary>
    public static (double Mean, double Std) MeanStd(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) return (0, 0);
        var mean = values.Average();
        return (mean, Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count));
    }
}
