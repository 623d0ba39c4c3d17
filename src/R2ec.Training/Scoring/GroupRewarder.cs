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
        var ordered = group.Clone();
        ordered.Trajectories.Clear();
        ordered.Trajectories.AddRange(trajectories);
        return WithRewards(ordered, rewards, options);
    }

    /// <summary>
    /// Advantages and relabel mask of a group whose trajectories are in group-index order and whose rewards are given
    /// (the fused reward above, or another task's reward, such as the sanity tasks' in the tests).
    /// </summary>
    /// <exception cref="ArgumentException">The rewards do not match the trajectories.</exception>
    public static RewardedGroup WithRewards(TrajectoryGroup ordered, IReadOnlyList<double> rewards, RecPOOptions options)
    {
        var g = ordered.Trajectories.Count;
        if (rewards.Count != g)
            throw new ArgumentException($"{rewards.Count} rewards for the {g} trajectories of step {ordered.Step}, sample {ordered.SampleIndex}", nameof(rewards));
        var r = rewards.ToArray();
        var advantages = new double[g];
        Advantages.Compute(options.Advantage, r, g, advantages);
        var mask = new float[g];
        RelabelMask.TopK(advantages, g, options.RelabelK, mask);
        return new RewardedGroup { Group = ordered, Rewards = { r }, Advantages = { advantages }, RelabelMask = { mask } };
    }
}
