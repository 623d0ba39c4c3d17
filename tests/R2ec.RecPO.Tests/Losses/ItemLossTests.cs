using R2ec.RecPO;

namespace R2ec.RecPO.Tests.Losses;

public sealed class ItemLossTests
{
    private static readonly float Ln3 = MathF.Log(3f);

    [Test]
    public void Log_probabilities_are_the_in_batch_softmax_of_each_rows_target()
    {
        var logp = new float[2];
        ItemLoss.LogProbabilities([Ln3, 0f, 0f, 0f], 2, [0, 1], logp);
        Assert.That(logp, Is.EqualTo(new[] { MathF.Log(0.75f), MathF.Log(0.5f) }).Within(1e-6));
    }

    [Test]
    public void At_ratio_one_only_relabelled_rows_get_a_gradient_of_softmax_minus_one_hot()
    {
        float[] scores = [Ln3, 0f, 0f, 0f];
        var old = new float[2];
        ItemLoss.LogProbabilities(scores, 2, [0, 1], old);
        var grad = new float[4];
        var result = ItemLoss.Compute(scores, 2, [0, 1], old, [1, -1], [1, 0], ClipRange.Paper, grad);
        Assert.Multiple(() =>
        {
            Assert.That(result.Loss, Is.EqualTo(-1).Within(1e-6));
            Assert.That(result.Rows, Is.EqualTo(1));
            Assert.That(grad, Is.EqualTo(new[] { -0.25f, 0.25f, 0f, 0f }).Within(1e-6));
        });
    }

    [Test]
    public void No_relabelled_row_gives_zero_loss_and_gradient()
    {
        var grad = new float[4];
        grad.AsSpan().Fill(9);
        var result = ItemLoss.Compute([1f, 2f, 3f, 4f], 2, [0, 1], [-1f, -1f], [1, 1], [0, 0], ClipRange.Paper, grad);
        Assert.That(result.Loss, Is.EqualTo(0));
        Assert.That(grad, Is.All.EqualTo(0f));
    }

    [Test]
    public void A_ratio_above_the_range_with_positive_weight_is_clipped()
    {
        float[] scores = [Ln3, 0f];
        var old = new[] { MathF.Log(0.75f / 1.5f) }; // p / p_old = 1.5
        var grad = new float[2];
        var result = ItemLoss.Compute(scores, 2, [0], old, [1], [1], ClipRange.Paper, grad);
        Assert.Multiple(() =>
        {
            Assert.That(result.Loss, Is.EqualTo(-1.28).Within(1e-6));
            Assert.That(result.ClipFraction, Is.EqualTo(1));
            Assert.That(grad, Is.All.EqualTo(0f));
        });
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        float[] scores = [2.1f, -0.4f, 0.3f, 0.5f, 1.7f, -1.2f, 0.2f, 0.1f, 0.9f, -0.3f, 1.1f, 0.6f];
        int[] targets = [0, 1, 2, 1];
        float[] old = [-0.5f, -0.62f, -1.3f, -0.9f];
        double[] advantages = [1.2, -0.7, 0.4, -1.5];
        float[] relabel = [1, 1, 0, 1];
        var grad = new float[12];
        ItemLoss.Compute(scores, 3, targets, old, advantages, relabel, ClipRange.Paper, grad);
        var numeric = GradientCheck.Numeric(scores,
            x => ItemLoss.Compute(x, 3, targets, old, advantages, relabel, ClipRange.Paper, new float[12]).Loss);
        Assert.That(grad.Select(g => (double)g), Is.EqualTo(numeric).Within(2e-4));
    }

    [Test]
    public void Rejects_a_target_column_out_of_range()
    {
        var ex = Assert.Throws<ArgumentException>(() => ItemLoss.LogProbabilities([0f, 0f], 2, [2], new float[1]));
        Assert.That(ex!.Message, Does.Contain("row 0"));
    }
}
