using R2ec.RecPO;

namespace R2ec.RecPO.Tests.Losses;

public sealed class ImportanceWeightsTests
{
    [TestCase(0.5, 2.0, 0.5, false)]
    [TestCase(1.0, 2.0, 1.0, false)]
    [TestCase(1.9, 2.0, 1.9, false)]
    [TestCase(3.0, 2.0, 2.0, true)]
    [TestCase(10.0, 1.0, 1.0, true)]
    public void The_weight_is_the_proximal_over_behaviour_ratio_truncated_at_the_cap(double ratio, double cap, double expected, bool capped)
    {
        var weight = ImportanceWeights.Truncated(Math.Log(ratio) - 1.5, -1.5, cap, out var hit);
        Assert.That(weight, Is.EqualTo(expected).Within(1e-12));
        Assert.That(hit, Is.EqualTo(capped));
    }

    [Test]
    public void The_span_form_counts_the_capped_terms()
    {
        float[] proximal = [(float)Math.Log(0.25), 0f, (float)Math.Log(4)];
        float[] behaviour = [0f, 0f, 0f];
        var weights = new float[3];
        var capped = ImportanceWeights.Truncated(proximal, behaviour, 2.0, weights);
        Assert.That(weights, Is.EqualTo(new[] { 0.25f, 1f, 2f }).Within(1e-6));
        Assert.That(capped, Is.EqualTo(1));
    }

    [Test]
    public void A_cap_below_one_or_a_missing_log_prob_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ImportanceWeights.Truncated(0, 0, 0.5, out _));
        Assert.That(() => ImportanceWeights.Truncated(double.NegativeInfinity, 0, 2, out _), Throws.ArgumentException.With.Message.Contains("finite"));
        Assert.Throws<ArgumentException>(() => ImportanceWeights.Truncated([0f, 0f], [0f], 2, new float[2]));
    }

    [Test]
    public void Token_loss_terms_and_gradients_scale_by_their_weight_and_unit_weights_change_nothing_bit_for_bit()
    {
        int[] offsets = [0, 2, 3];
        float[] logpNew = [-1.1f, -0.4f, -2.0f];
        float[] logpOld = [-1.0f, -0.5f, -2.2f];
        float[] mask = [1, 1, 1];
        double[] advantages = [0.7, -1.3];
        var plain = new float[3];
        var unit = new float[3];
        var weighted = new float[3];
        var r0 = TokenLoss.Compute(offsets, logpNew, logpOld, mask, advantages, ClipRange.Paper, plain);
        var r1 = TokenLoss.Compute(offsets, logpNew, logpOld, mask, advantages, ClipRange.Paper, unit, [1f, 1f, 1f]);
        var r2 = TokenLoss.Compute(offsets, logpNew, logpOld, mask, advantages, ClipRange.Paper, weighted, [0.5f, 2f, 0f]);

        Assert.That(r1.Loss, Is.EqualTo(r0.Loss));
        Assert.That(unit, Is.EqualTo(plain));
        // Token 2 (weight 0) drops out; tokens 0 and 1 keep their share of trajectory 0's mean, scaled by 0.5 and 2.
        Assert.That(weighted[0], Is.EqualTo(0.5f * plain[0]).Within(1e-7));
        Assert.That(weighted[1], Is.EqualTo(2f * plain[1]).Within(1e-7));
        Assert.That(weighted[2], Is.EqualTo(0f));
        var unweightedTerms = new[] { Term(0), Term(1) };
        Assert.That(r2.Loss, Is.EqualTo(0.5 * unweightedTerms[0] + 2 * unweightedTerms[1]).Within(1e-9));

        // The loss of one token alone (every other token masked out: one trajectory of one token), divided by the
        // 2 trajectories × 2 tokens of trajectory 0 that share the full loss's mean.
        double Term(int t)
        {
            float[] only = [t == 0 ? 1 : 0, t == 1 ? 1 : 0, 0];
            var g = new float[3];
            return TokenLoss.Compute(offsets, logpNew, logpOld, only, advantages, ClipRange.Paper, g).Loss / 4;
        }
    }

    [Test]
    public void Item_loss_rows_scale_by_their_weight_and_unit_weights_change_nothing_bit_for_bit()
    {
        float[] scores = [1f, 0.2f, -0.3f, 0.5f, 0.1f, 0.9f];
        int[] targets = [0, 2];
        float[] old = [-0.8f, -1.2f];
        double[] advantages = [1.0, 0.5];
        float[] relabel = [1f, 1f];
        var plain = new float[6];
        var unit = new float[6];
        var weighted = new float[6];
        var r0 = ItemLoss.Compute(scores, 3, targets, old, advantages, relabel, ClipRange.Paper, plain);
        var r1 = ItemLoss.Compute(scores, 3, targets, old, advantages, relabel, ClipRange.Paper, unit, [1f, 1f]);
        var r2 = ItemLoss.Compute(scores, 3, targets, old, advantages, relabel, ClipRange.Paper, weighted, [1.5f, 0f]);

        Assert.That(r1.Loss, Is.EqualTo(r0.Loss));
        Assert.That(unit, Is.EqualTo(plain));
        Assert.That(weighted.Take(3), Is.EqualTo(plain.Take(3).Select(g => 1.5f * g)).Within(1e-6));
        Assert.That(weighted.Skip(3), Is.All.EqualTo(0f));
        var rowZero = ItemLoss.Compute(scores, 3, targets, old, advantages, [1f, 0f], ClipRange.Paper, new float[6]).Loss / 2;
        Assert.That(r2.Loss, Is.EqualTo(1.5 * rowZero).Within(1e-9));
    }
}
