using R2ec.RecPO;
using R2ec.Training.Configuration;
using R2ec.Training.Messages;

namespace R2ec.Training.Scoring;

/// <summary>
/// The reward actor's arithmetic (DESIGN.md §2 step 4), as pure calls into R2ec.RecPO: fused reward per trajectory,
/// group advantages, relabel mask.
/// </summary>
public static class GroupRewarder
{
    /// <summary>Rewards one group; trajectories are taken in group-index order whatever order they arrived in.</summary>
    /// <exception cref="ArgumentException">The group is not whole: its group indices are not 0..G-1.</exception>
    public static RewardedGroup Reward(TrajectoryGroup group, RecPOOptions options)
    {
        var trajectories = group.Trajectories.OrderBy(t => t.GroupIndex).ToList();
        for (var i = 0; i < trajectories.Count; i++)
            if (trajectories[i].GroupIndex != i)
                throw new ArgumentException(
                    $"group of step {group.Step}, sample {group.SampleIndex} has trajectory indices {string.Join(",", trajectories.Select(t => t.GroupIndex))}, not 0..{trajectories.Count - 1}");
        var g = trajectories.Count;
        var ranks = trajectories.Select(t => checked((int)t.TargetRank)).ToArray();
        var probs = trajectories.Select(t => t.TargetProb).ToArray();
        var rewards = new double[g];
        Rewards.Fused(ranks, probs, options.NdcgCutoff, options.Beta, rewards);
        var advantages = new double[g];
        Advantages.Compute(options.Advantage, rewards, g, advantages);
        var mask = new float[g];
        RelabelMask.TopK(advantages, g, options.RelabelK, mask);

        var ordered = group.Clone();
        ordered.Trajectories.Clear();
        ordered.Trajectories.AddRange(trajectories);
        return new RewardedGroup { Group = ordered, Rewards = { rewards }, Advantages = { advantages }, RelabelMask = { mask } };
    }
}
