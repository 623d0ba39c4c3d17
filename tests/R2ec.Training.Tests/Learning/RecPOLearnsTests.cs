using R2ec.Training.Messages;
using R2ec.Training.Tests.Support;

namespace R2ec.Training.Tests.Learning;

/// <summary>
/// The RL loop learns where learning is known to be possible, through the production rollout → reward → learner path,
/// each run paired with a no-learning control (learning rate 0) on the same samples, steps and seeds.
/// </summary>
public sealed class RecPOLearnsTests
{
    private const int Steps = 24, Samples = 6;

    // Mean training reward of each step of a run: the same samples every step, new sampling keys each step.
    private static double[] Run(RecPOHarness h, double learningRate, Func<Trajectory, double>? reward, bool refreshItems)
    {
        var means = new double[Steps];
        for (var step = 0; step < Steps; step++)
        {
            var groups = Enumerable.Range(0, Samples)
                .Select(i => h.Rollout(step, i))
                .Select(g => reward is null ? h.Reward(g) : h.Reward(g, reward))
                .ToList();
            means[step] = groups.SelectMany(g => g.Rewards).Average();
            h.Learn(groups, learningRate);
            if (refreshItems)
                h.Encode();
        }
        return means;
    }

    private static double SecondHalf(double[] means) => means[(Steps / 2)..].Average();

    [Test]
    public void A_reward_on_the_sampled_tokens_alone_rises_against_a_no_learning_control()
    {
        // The fraction of even token ids among the reasoning tokens: only the token loss can raise it.
        static double Even(Trajectory t)
        {
            var sampled = t.TokenIds.Count - (t.AnswerAppended ? 1 : 0);
            return sampled == 0 ? 0 : t.TokenIds.Take(sampled).Count(id => id % 2 == 0) / (double)sampled;
        }
        string[] sets = ["Rollout:GroupSize=4", "Rollout:MaxNewTokens=6", "Rollout:TopK=0", "Rollout:Temperature=1", "Learner:MiniBatchSize=24"];
        using var learned = new RecPOHarness(sets);
        using var control = new RecPOHarness(sets);
        var up = Run(learned, 3e-2, Even, refreshItems: false);
        var flat = Run(control, 0, Even, refreshItems: false);
        TestContext.Out.WriteLine($"learned {string.Join(" ", up.Select(v => v.ToString("F2")))}\ncontrol {string.Join(" ", flat.Select(v => v.ToString("F2")))}");
        Assert.That(up[..(Steps / 4)].Average(), Is.EqualTo(flat[..(Steps / 4)].Average()).Within(0.1), "both start alike");
        Assert.That(SecondHalf(up), Is.GreaterThan(SecondHalf(flat) + 0.2), "the learned run's second half beats the control's");
    }

    [TestCase("InBatch")]
    [TestCase("Table")]
    public void A_reward_only_the_recommendation_head_can_raise_rises_with_the_item_loss_alone(string negatives)
    {
        // The real fused reward (the target's rank among all items) with the token loss switched off: only the item loss
        // acts, moving user and item embeddings; the item table is re-encoded after every step, as the learner does.
        string[] sets = ["Rollout:GroupSize=4", "Rollout:MaxNewTokens=4", "Rollout:TopK=0", "Rollout:Temperature=1", "Learner:MiniBatchSize=24",
            "RecPO:TokenLossWeight=0", "RecPO:RelabelK=1", $"RecPO:ItemNegatives={negatives}"];
        using var learned = new RecPOHarness(sets);
        using var control = new RecPOHarness(sets);
        var up = Run(learned, 5e-3, null, refreshItems: true);
        var flat = Run(control, 0, null, refreshItems: true);
        TestContext.Out.WriteLine($"learned {string.Join(" ", up.Select(v => v.ToString("F3")))}\ncontrol {string.Join(" ", flat.Select(v => v.ToString("F3")))}");
        Assert.That(SecondHalf(up), Is.GreaterThan(SecondHalf(flat) + 0.1), "the learned run's second half beats the control's");
    }
}
