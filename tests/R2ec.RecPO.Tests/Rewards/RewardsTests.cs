using R2ec.RecPO;

namespace R2ec.RecPO.Tests.Rewards;

public sealed class RewardsTests
{
    [TestCase(1, 1000, 1.0)]
    [TestCase(3, 1000, 0.5)]
    [TestCase(7, 1000, 1.0 / 3)]
    [TestCase(1000, 1000, 0.10032881506161208)]
    [TestCase(1001, 1000, 0.0)]
    public void Ranking_reward_is_inverse_log2_of_rank_plus_one_within_the_cutoff(int rank, int cutoff, double expected) =>
        Assert.That(R2ec.RecPO.Rewards.Ranking(rank, cutoff), Is.EqualTo(expected).Within(1e-12));

    [Test]
    public void Ranking_reward_rejects_a_zero_based_rank() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => R2ec.RecPO.Rewards.Ranking(0, 10));

    [Test]
    public void Target_probability_is_the_softmax_over_unmasked_items()
    {
        float[] scores = [0f, float.NegativeInfinity, MathF.Log(3f)];
        Assert.That(R2ec.RecPO.Rewards.TargetProbability(scores, 2), Is.EqualTo(0.75).Within(1e-6));
        Assert.That(R2ec.RecPO.Rewards.TargetProbability(scores, 0), Is.EqualTo(0.25).Within(1e-6));
    }

    [Test]
    public void Target_probability_leaves_out_the_history_but_never_the_target()
    {
        float[] scores = [0f, 50f, MathF.Log(3f), 50f];
        Assert.That(R2ec.RecPO.Rewards.TargetProbability(scores, 2, [3, 1]), Is.EqualTo(0.75).Within(1e-6));
        Assert.That(R2ec.RecPO.Rewards.TargetProbability(scores, 2, [1, 3, 3, 2]), Is.EqualTo(0.75).Within(1e-6));
        Assert.That(R2ec.RecPO.Rewards.TargetProbability(scores, 2, []),
            Is.EqualTo(R2ec.RecPO.Rewards.TargetProbability(scores, 2)).Within(1e-15));
    }

    [Test]
    public void Target_probability_rejects_a_history_item_out_of_range() =>
        Assert.Throws<ArgumentException>(() => R2ec.RecPO.Rewards.TargetProbability([0f, 1f], 0, [2]));

    [Test]
    public void Target_probability_is_stable_for_large_scores()
    {
        float[] scores = [1000f, 1000f];
        Assert.That(R2ec.RecPO.Rewards.TargetProbability(scores, 1), Is.EqualTo(0.5).Within(1e-12));
    }

    [Test]
    public void Target_probability_rejects_a_masked_target() =>
        Assert.Throws<ArgumentException>(() => R2ec.RecPO.Rewards.TargetProbability([0f, float.NegativeInfinity], 1));

    [Test]
    public void Fused_reward_mixes_ranking_and_probability_by_beta()
    {
        Assert.That(R2ec.RecPO.Rewards.Fused(0.5, 0.2, 0.05), Is.EqualTo(0.485).Within(1e-12));
        var rewards = new double[2];
        R2ec.RecPO.Rewards.Fused([3, 2000], [0.2, 0.6], 1000, 0.05, rewards);
        Assert.That(rewards, Is.EqualTo(new[] { 0.485, 0.03 }).Within(1e-12));
    }

    [Test]
    public void Fused_reward_rejects_beta_outside_unit_interval() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => R2ec.RecPO.Rewards.Fused(1, 1, 1.5));
}
