using R2ec.RecPO;

namespace R2ec.RecPO.Tests.Defects;

/// <summary>The four defects of the paper's code (DESIGN.md §4), each shown absent from ours.</summary>
public sealed class PaperDefectTests
{
    private static double[] GaussianAdvantages(params double[] rewards)
    {
        var advantages = new double[rewards.Length];
        R2ec.RecPO.Advantages.Compute(AdvantageKind.Gaussian, rewards, rewards.Length, advantages);
        return advantages;
    }

    [Test]
    public void A_token_gradient_follows_each_trajectorys_gaussian_advantage()
    {
        // Gaussian advantages of a group sum to zero; broadcasting them over the batch (the paper's double unsqueeze)
        // averages them away. Ours broadcast A_i over trajectory i's tokens only.
        var advantages = GaussianAdvantages(1, 0, 0.5, 0);
        Assert.That(advantages.Sum(), Is.EqualTo(0).Within(1e-9));
        int[] lengths = [2, 3, 1, 4];
        var batch = RaggedBatch.Pack(lengths.Select(_ => new[] { 1 }).ToList(), lengths.Select(n => new int[n]).ToList());
        var tokens = batch.CompletionOffsets[^1];
        var logp = Enumerable.Range(0, tokens).Select(i => -0.1f * (i + 1)).ToArray();
        var grad = new float[tokens];

        TokenLoss.Compute(batch.CompletionOffsets.ToArray(), logp, logp, Enumerable.Repeat(1f, tokens).ToArray(), advantages,
            ClipRange.Paper, grad);

        for (var i = 0; i < lengths.Length; i++)
        {
            var own = grad.AsSpan(batch.CompletionOffsets[i], lengths[i]).ToArray();
            // d L / d logp_t = -A_i / (trajectories · |o_i|): non-zero, signed and sized by the trajectory's own advantage.
            Assert.That(own, Is.All.EqualTo((float)(-advantages[i] / (4.0 * lengths[i]))).Within(1e-7), $"trajectory {i}");
            Assert.That(own.Sum(), Is.EqualTo(-advantages[i] / 4).Within(1e-6), $"trajectory {i}");
        }
        Assert.That(grad.Max(Math.Abs), Is.GreaterThan(0.1f));
    }

    [Test]
    public void A_item_gradient_is_weighted_per_row_not_a_uniform_infonce()
    {
        // Two relabelled rows with opposite advantages: a uniform InfoNCE would push both targets up alike.
        float[] scores = [0.2f, 0.1f, 0.3f, -0.4f];
        int[] targets = [0, 1];
        var old = new float[2];
        ItemLoss.LogProbabilities(scores, 2, targets, old);
        var grad = new float[4];
        ItemLoss.Compute(scores, 2, targets, old, [1.5, -0.5], [1, 1], ClipRange.Paper, grad);
        var p0 = 1 / (1 + Math.Exp(0.1 - 0.2));
        var p1 = 1 / (1 + Math.Exp(0.3 + 0.4));
        Assert.That(grad[0], Is.EqualTo(-1.5 * (1 - p0) / 2).Within(1e-6), "row 0 target is pushed up");
        Assert.That(grad[3], Is.EqualTo(0.5 * (1 - p1) / 2).Within(1e-6), "row 1 target is pushed down");
    }

    [Test]
    public void B_ratio_uses_stored_old_log_probs_so_clipping_acts()
    {
        float[] stored = [-2f, -2f];
        float[] current = [(float)(-2 + Math.Log(1.1)), (float)(-2 + Math.Log(1.6))];
        var grad = new float[2];
        var result = TokenLoss.Compute([0, 1, 2], current, stored, [1, 1], [1, 1], ClipRange.Paper, grad);
        Assert.Multiple(() =>
        {
            // Inside the range ρ = 1.1 (not 1): the gradient is ρA / trajectories.
            Assert.That(grad[0], Is.EqualTo(-1.1f / 2).Within(1e-6));
            // Outside on the clipped side (ρ = 1.6 > 1.28, A > 0): no gradient.
            Assert.That(grad[1], Is.EqualTo(0f));
            Assert.That(result.ClipFraction, Is.EqualTo(0.5));
            Assert.That(result.Loss, Is.EqualTo(-(1.1 + 1.28) / 2).Within(1e-6));
            Assert.That(result.ApproxKl, Is.GreaterThan(0));
        });
    }

    [Test]
    public void C_optimizer_steps_per_mini_batch_are_a_setting()
    {
        const int batch = 16, miniBatch = 4, epochs = 2;
        Assert.Multiple(() =>
        {
            Assert.That(MiniBatchPlan.Create(batch, miniBatch, epochs, OptimizerStepPer.MiniBatch).OptimizerSteps, Is.EqualTo(8));
            Assert.That(MiniBatchPlan.Create(batch, miniBatch, epochs, OptimizerStepPer.Epoch).OptimizerSteps, Is.EqualTo(2));
            Assert.That(MiniBatchPlan.Create(batch, miniBatch, epochs, OptimizerStepPer.Step).OptimizerSteps, Is.EqualTo(1));
        });
    }

    [Test]
    public void D_the_last_token_of_the_longest_sequence_is_kept()
    {
        int[][] prompts = [[1, 2], [3], [4, 5, 6]];
        int[][] completions = [[7, 8, 9], [10, 11, 12, 13, 14], [15]];
        var batch = RaggedBatch.Pack(prompts, completions);
        var longest = 1;
        var lastPacked = batch.Offsets[longest + 1] - 1;
        var lastCompletion = batch.CompletionOffsets[longest + 1] - 1;
        Assert.Multiple(() =>
        {
            Assert.That(batch.TokenMask.Sum(), Is.EqualTo(9f), "every completion token is masked in");
            Assert.That(batch.Tokens[lastPacked], Is.EqualTo(14));
            Assert.That(batch.TokenMask[lastPacked], Is.EqualTo(1f));
            Assert.That(batch.PredictingPositions[lastCompletion], Is.EqualTo(lastPacked - 1));
            for (var s = 0; s < batch.Count; s++)
                for (var c = batch.CompletionOffsets[s]; c < batch.CompletionOffsets[s + 1]; c++)
                {
                    var position = batch.PredictingPositions[c];
                    Assert.That(position, Is.InRange(batch.Offsets[s] + batch.PromptLengths[s] - 1, batch.Offsets[s + 1] - 2),
                        $"completion token {c} is predicted inside its own sequence");
                    Assert.That(batch.Tokens[position + 1], Is.EqualTo(completions[s][c - batch.CompletionOffsets[s]]));
                }
        });

        // And the token loss gives that last token a gradient.
        var tokens = batch.CompletionOffsets[^1];
        var grad = new float[tokens];
        TokenLoss.Compute(batch.CompletionOffsets.ToArray(), new float[tokens], new float[tokens], Enumerable.Repeat(1f, tokens).ToArray(),
            [0.5, 1.0, -0.5], ClipRange.Paper, grad);
        Assert.That(grad[lastCompletion], Is.EqualTo(-1f / (3 * 5)).Within(1e-7));
    }
}
