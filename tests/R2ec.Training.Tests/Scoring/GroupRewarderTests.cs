using R2ec.RecPO;
using R2ec.Training.Configuration;
using R2ec.Training.Messages;
using R2ec.Training.Scoring;

namespace R2ec.Training.Tests.Scoring;

public sealed class GroupRewarderTests
{
    private static TrajectoryGroup Group(params (uint Index, uint Rank, double Prob)[] trajectories)
    {
        var group = new TrajectoryGroup { Step = 3, SampleIndex = 11, UserIndex = 2 };
        foreach (var (index, rank, prob) in trajectories)
            group.Trajectories.Add(new Trajectory { GroupIndex = index, TargetRank = rank, TargetProb = prob });
        return group;
    }

    [Test]
    public void Rewards_AreTheFusedRewardOfDesign_WithGroupAdvantagesAndTheTopKRelabelled()
    {
        var options = new RecPOOptions { Beta = 0.05, NdcgCutoff = 1000, RelabelK = 1 };

        var rewarded = GroupRewarder.Reward(Group((0, 1, 0.5), (1, 3, 0.1), (2, 2000, 0.0), (3, 7, 0.01)), options);

        var expected = new[] { 0.95 * 1 + 0.05 * 0.5, 0.95 / Math.Log2(4) + 0.05 * 0.1, 0.0, 0.95 / Math.Log2(8) + 0.05 * 0.01 };
        Assert.That(rewarded.Rewards, Is.EqualTo(expected).Within(1e-12));
        var advantages = new double[4];
        Advantages.Compute(AdvantageKind.Gaussian, expected, 4, advantages);
        Assert.That(rewarded.Advantages, Is.EqualTo(advantages).Within(1e-12));
        Assert.That(rewarded.RelabelMask, Is.EqualTo(new[] { 1f, 0f, 0f, 0f }));
    }

    [Test]
    public void ArrivalOrderOfTrajectories_DoesNotChangeTheResult()
    {
        var options = new RecPOOptions();
        var inOrder = GroupRewarder.Reward(Group((0, 5, 0.2), (1, 1, 0.3), (2, 9, 0.1)), options);
        var shuffled = GroupRewarder.Reward(Group((2, 9, 0.1), (0, 5, 0.2), (1, 1, 0.3)), options);

        Assert.That(shuffled, Is.EqualTo(inOrder));
        Assert.That(shuffled.Group.Trajectories.Select(t => t.GroupIndex), Is.EqualTo(new uint[] { 0, 1, 2 }));
    }

    [Test]
    public void IncompleteGroup_IsRejectedNamingStepAndSample()
    {
        var e = Assert.Throws<ArgumentException>(() => GroupRewarder.Reward(Group((0, 1, 0.1), (2, 1, 0.1)), new RecPOOptions()));
        Assert.That(e!.Message, Does.Contain("step 3, sample 11"));
    }
}
