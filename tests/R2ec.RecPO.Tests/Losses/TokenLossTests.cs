using R2ec.RecPO;

namespace R2ec.RecPO.Tests.Losses;

public sealed class TokenLossTests
{
    [Test]
    public void At_ratio_one_the_loss_is_minus_the_mean_advantage_per_trajectory()
    {
        // Trajectory 0: one token, A = 1. Trajectory 1: three tokens, A = -1.
        int[] offsets = [0, 1, 4];
        float[] logp = [-1f, -2f, -0.5f, -3f];
        var grad = new float[4];
        var result = TokenLoss.Compute(offsets, logp, logp, [1, 1, 1, 1], [1, -1], ClipRange.Paper, grad);
        Assert.Multiple(() =>
        {
            Assert.That(result.Loss, Is.EqualTo(0).Within(1e-12));
            Assert.That(grad, Is.EqualTo(new[] { -0.5f, 1f / 6, 1f / 6, 1f / 6 }).Within(1e-7));
            Assert.That(result.ClipFraction, Is.EqualTo(0));
            Assert.That(result.ApproxKl, Is.EqualTo(0).Within(1e-12));
            Assert.That(result.Tokens, Is.EqualTo(4));
        });
    }

    [TestCase(1.0, 1.5, 1.28, 0f, true)]      // A > 0, ratio above 1 + eps_high: clipped, no gradient
    [TestCase(-1.0, 1.5, -1.5, 1.5f, false)]  // A < 0, ratio above the range: the unclipped term is smaller
    [TestCase(-1.0, 0.5, -0.8, 0f, true)]     // A < 0, ratio below 1 - eps_low: clipped
    [TestCase(1.0, 0.5, 0.5, -0.5f, false)]   // A > 0, ratio below the range: unclipped
    [TestCase(2.0, 1.1, 2.2, -2.2f, false)]   // inside the range
    public void Clipping_follows_the_sign_of_the_advantage(double advantage, double ratio, double surrogate, float gradient, bool clipped)
    {
        float[] old = [-2f];
        float[] current = [(float)(-2 + Math.Log(ratio))];
        var grad = new float[1];
        var result = TokenLoss.Compute([0, 1], current, old, [1], [advantage], ClipRange.Paper, grad);
        Assert.Multiple(() =>
        {
            Assert.That(result.Loss, Is.EqualTo(-surrogate).Within(1e-6));
            Assert.That(grad[0], Is.EqualTo(gradient).Within(1e-6));
            Assert.That(result.ClipFraction, Is.EqualTo(clipped ? 1 : 0));
        });
    }

    [Test]
    public void Approximate_kl_is_the_k3_estimator()
    {
        var grad = new float[2];
        var result = TokenLoss.Compute([0, 2], [(float)Math.Log(1.5), 0f], [0f, 0f], [1, 1], [0.0], ClipRange.Paper, grad);
        Assert.That(result.ApproxKl, Is.EqualTo((0.5 - Math.Log(1.5)) / 2).Within(1e-7));
    }

    [Test]
    public void Masked_tokens_carry_no_loss_and_a_fully_masked_trajectory_leaves_the_average()
    {
        var grad = new float[4];
        var result = TokenLoss.Compute([0, 2, 4], [0f, 5f, 0f, 0f], [0f, 0f, 0f, 0f], [1, 0, 0, 0], [3, 7], ClipRange.Paper, grad);
        Assert.Multiple(() =>
        {
            Assert.That(result.Loss, Is.EqualTo(-3).Within(1e-12));
            Assert.That(grad, Is.EqualTo(new[] { -3f, 0f, 0f, 0f }));
            Assert.That(result.Tokens, Is.EqualTo(1));
        });
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        int[] offsets = [0, 3, 5, 9];
        float[] old = [-1f, -2f, -0.3f, -1.2f, -0.7f, -2.5f, -0.1f, -1.9f, -0.8f];
        float[] current = [-0.95f, -2.1f, -0.32f, -1.1f, -0.75f, -2.45f, -0.12f, -1.85f, -0.9f];
        float[] mask = [1, 1, 1, 1, 0.5f, 1, 1, 0, 1];
        double[] advantages = [0.8, -1.3, 0.4];
        var grad = new float[9];
        TokenLoss.Compute(offsets, current, old, mask, advantages, ClipRange.Paper, grad);
        var numeric = GradientCheck.Numeric(current,
            x => TokenLoss.Compute(offsets, x, old, mask, advantages, ClipRange.Paper, new float[9]).Loss);
        Assert.That(grad.Select(g => (double)g), Is.EqualTo(numeric).Within(2e-4));
    }

    [Test]
    public void Rejects_offsets_that_do_not_cover_the_tokens() =>
        Assert.Throws<ArgumentException>(() =>
            TokenLoss.Compute([0, 2], [0f, 0f, 0f], [0f, 0f, 0f], [1, 1, 1], [1.0], ClipRange.Paper, new float[3]));

    [Test]
    public void Rejects_a_non_finite_log_probability()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            TokenLoss.Compute([0, 2], [0f, float.NaN], [0f, 0f], [1, 1], [1.0], ClipRange.Paper, new float[2]));
        Assert.That(ex!.Message, Does.Contain("token 1"));
    }
}
