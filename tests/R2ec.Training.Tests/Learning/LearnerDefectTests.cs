using R2ec.RecPO;
using R2ec.Training.Compute;
using R2ec.Training.Learning;
using R2ec.Training.Messages;
using R2ec.Training.Tests.Support;

namespace R2ec.Training.Tests.Learning;

/// <summary>
/// The paper code's four defects (DESIGN.md §4) and the sampling/learning distribution mismatch, each shown absent
/// through the learner's own code path: groups sampled by the real policy, rewarded by the reward actor's arithmetic,
/// turned into rows and trained on by <see cref="RecPOUpdate"/>, the calls the Learner actor makes.
/// </summary>
public sealed class LearnerDefectTests
{
    // Reward 1 for trajectory 0 of each group, 0 for the others: gaussian advantages +1.5, -0.5, -0.5, -0.5.
    private static double FirstWins(Trajectory t) => t.GroupIndex == 0 ? 1 : 0;

    private static List<RewardedGroup> Groups(RecPOHarness h, int samples, Func<Trajectory, double> reward) =>
        Enumerable.Range(0, samples).Select(i => h.Reward(h.Rollout(0, i), reward)).ToList();

    // The mean clipped ratio of one row's tokens at the current weights: −(token loss) of that row alone with advantage 1,
    // evaluated at learning rate 0 (the step changes no weight: weight decay is 0 in the harness).
    private static double Ratio(RecPOHarness h, LearnRow row) =>
        -RecPOUpdate.Learn(h.Policy, [row with { Advantage = 1 }], h.Options, 0)[0].TokenLoss;

    [Test]
    public void The_ratio_is_one_and_nothing_is_clipped_at_the_weights_that_sampled_the_batch()
    {
        // Sampling truncates to the top 5 at temperature 2; the learner still sees ρ = 1 because both sides use the
        // untruncated softmax at the sampling temperature.
        using var h = new RecPOHarness("Rollout:TopK=5", "Rollout:Temperature=2", "Rollout:MaxNewTokens=6", "Learner:MiniBatchSize=4",
            "Learner:PpoEpochs=1");
        var stats = h.Learn(Groups(h, 3, FirstWins), 0);
        Assert.That(stats, Has.Count.EqualTo(3));
        Assert.Multiple(() =>
        {
            Assert.That(stats.Select(s => s.MaxRatioDeviation), Is.All.LessThan(1e-5), "ρ = 1 on every token");
            Assert.That(stats.Select(s => s.ClipFraction), Is.All.EqualTo(0), "no token clipped");
            Assert.That(stats.Sum(s => s.Tokens), Is.GreaterThan(12), "tokens were evaluated");
        });
    }

    [Test]
    public void A_each_trajectorys_tokens_follow_its_own_advantage()
    {
        // Gaussian advantages sum to zero within a group: broadcasting them over the batch (the paper's double unsqueeze)
        // cancels the token gradient. Ours push trajectory 0 up and the other three down.
        using var h = new RecPOHarness("Rollout:MaxNewTokens=6", "Rollout:TopK=0", "RecPO:ItemLossWeight=0", "Learner:MiniBatchSize=4");
        var groups = Groups(h, 1, FirstWins);
        var rows = RecPOUpdate.Rows(groups, h.Train);
        Assert.That(rows.Select(r => r.Advantage), Is.EqualTo(new[] { 1.5, -0.5, -0.5, -0.5 }).Within(1e-6), "advantages in group-index order");
        h.Learn(groups, 2e-2);
        var ratios = rows.Select(r => Ratio(h, r)).ToArray();
        TestContext.Out.WriteLine(string.Join(" ", ratios.Select(r => r.ToString("F4"))));
        Assert.Multiple(() =>
        {
            Assert.That(ratios[0], Is.GreaterThan(1.01), "the winner's tokens became more likely");
            Assert.That(ratios[1..], Is.All.LessThan(0.995), "each loser's tokens became less likely");
        });
    }

    [Test]
    public void B_the_ratio_uses_the_stored_old_log_probs_so_a_second_epoch_sees_it_move_and_clips()
    {
        using var h = new RecPOHarness("Rollout:MaxNewTokens=6", "Rollout:TopK=0", "Learner:MiniBatchSize=8", "Learner:PpoEpochs=2", "Learner:GradClip=0");
        var stats = h.Learn(Groups(h, 2, FirstWins), 0.1);
        Assert.That(stats, Has.Count.EqualTo(2));
        TestContext.Out.WriteLine(string.Join(" ", stats.Select(s => $"dev {s.MaxRatioDeviation:F4} clip {s.ClipFraction:F3}")));
        Assert.Multiple(() =>
        {
            Assert.That(stats[0].MaxRatioDeviation, Is.LessThan(1e-5), "epoch 1 runs at the sampling weights");
            Assert.That(stats[1].MaxRatioDeviation, Is.GreaterThan(0.05), "epoch 2 compares the updated policy with the stored log-probs");
            Assert.That(stats[1].ClipFraction, Is.GreaterThan(0), "and clipping acts");
        });
    }

    [TestCase(OptimizerStepPer.MiniBatch, 4)]
    [TestCase(OptimizerStepPer.Epoch, 2)]
    [TestCase(OptimizerStepPer.Step, 1)]
    public void C_optimizer_steps_follow_the_setting_not_the_mini_batches(OptimizerStepPer per, int steps)
    {
        using var h = new RecPOHarness("Rollout:MaxNewTokens=4", "Learner:MiniBatchSize=2", "Learner:PpoEpochs=2", $"Learner:OptimizerStepPer={per}");
        var stats = h.Learn(Groups(h, 1, FirstWins), 1e-3);
        Assert.That(stats, Has.Count.EqualTo(4), "4 rows in mini-batches of 2, two epochs");
        Assert.That(stats.Count(s => s.GradNorm > 0), Is.EqualTo(steps), "optimizer steps taken (a step reports its gradient norm)");
        Assert.That(stats[^1].GradNorm, Is.GreaterThan(0), "the last mini-batch always ends with a step");
    }

    [Test]
    public void D_the_last_token_of_the_longest_sequence_is_trained_on()
    {
        // Rows whose last token was sampled (any appended <answer> removed), with the old log-prob of the longest row's
        // last token lowered by 1: its ratio is e, and it is the only clipped token. Dropping that token (the paper's
        // forward over shifted, padded sequences) would leave every ratio at 1.
        using var h = new RecPOHarness("Rollout:MaxNewTokens=6", "Rollout:TopK=0", "Learner:MiniBatchSize=8", "Learner:PpoEpochs=1");
        var rows = RecPOUpdate.Rows(Groups(h, 2, FirstWins), h.Train).Select(r => r.AnswerAppended
            ? r with { Tokens = r.Tokens[..^1], OldLogprobs = r.OldLogprobs[..^1], AnswerAppended = false, Advantage = 1 }
            : r with { Advantage = 1 }).ToList();
        var longest = rows.IndexOf(rows.MaxBy(r => r.Tokens.Length)!);
        var old = rows[longest].OldLogprobs.ToArray();
        old[^1] -= 1;
        rows[longest] = rows[longest] with { OldLogprobs = old };
        Assert.That(rows.Select(r => r.Tokens.Length).Distinct().Count(), Is.GreaterThan(1), "ragged lengths");

        var stats = RecPOUpdate.Learn(h.Policy, rows, h.Options, 0);
        var tokens = rows.Sum(r => r.Tokens.Length);
        Assert.Multiple(() =>
        {
            Assert.That(stats.Single().MaxRatioDeviation, Is.EqualTo(Math.E - 1).Within(1e-4), "the last token's ratio is e");
            Assert.That(stats.Single().ClipFraction, Is.EqualTo(1.0 / tokens).Within(1e-9), "and only it is clipped");
        });
    }
}
