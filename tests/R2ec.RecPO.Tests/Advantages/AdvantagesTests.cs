using R2ec.RecPO;

namespace R2ec.RecPO.Tests.Advantages;

public sealed class AdvantagesTests
{
    [Test]
    public void Gaussian_uses_the_unbiased_standard_deviation_per_group()
    {
        // Group 1: mean 0.25, unbiased std 0.5. Group 2: mean 2, unbiased std 2.
        double[] rewards = [1, 0, 0, 0, 0, 2, 4, 2];
        var advantages = new double[8];
        R2ec.RecPO.Advantages.Compute(AdvantageKind.Gaussian, rewards, 4, advantages);
        var d = Math.Sqrt(8.0 / 3);
        Assert.That(advantages, Is.EqualTo(new[] { 1.5, -0.5, -0.5, -0.5, -2 / d, 0, 2 / d, 0 }).Within(1e-7));
    }

    [Test]
    public void Gaussian_of_equal_rewards_is_zero_not_nan()
    {
        var advantages = new double[3];
        R2ec.RecPO.Advantages.Compute(AdvantageKind.Gaussian, [0.7, 0.7, 0.7], 3, advantages);
        Assert.That(advantages, Is.All.EqualTo(0.0).Within(1e-6));
    }

    [Test]
    public void Leave_one_out_subtracts_the_mean_of_the_others()
    {
        var advantages = new double[4];
        R2ec.RecPO.Advantages.Compute(AdvantageKind.LeaveOneOut, [1, 0, 0, 2], 4, advantages);
        Assert.That(advantages, Is.EqualTo(new[] { 1 - 2.0 / 3, -1.0, -1.0, 2 - 1.0 / 3 }).Within(1e-12));
    }

    [Test]
    public void Rejects_partial_groups_and_single_sample_groups()
    {
        var output = new double[3];
        Assert.Throws<ArgumentException>(() => R2ec.RecPO.Advantages.Compute(AdvantageKind.Gaussian, [1, 2, 3], 2, output));
        Assert.Throws<ArgumentException>(() => R2ec.RecPO.Advantages.Compute(AdvantageKind.Gaussian, [1, 2, 3], 1, output));
    }

    [Test]
    public void Rejects_a_non_finite_reward()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            R2ec.RecPO.Advantages.Compute(AdvantageKind.LeaveOneOut, [1, double.NaN], 2, new double[2]));
        Assert.That(ex!.Message, Does.Contain("reward 1"));
    }
}
