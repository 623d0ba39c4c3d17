using R2ec.Training.Configuration;
using R2ec.Training.Learning;
using R2ec.Training.Messages;
using R2ec.Training.Tests.Support;

namespace R2ec.Training.Tests.Learning;

/// <summary>
/// The pipelined mode's correction (<c>Learner:MaxStaleness</c> &gt; 0) through the learner's own code path: groups
/// sampled by the real policy, then learned after the policy has moved on, as step t learns groups of step t − s.
/// </summary>
public sealed class StalenessCorrectionTests
{
    private static readonly string[] Settings =
        ["Rollout:MaxNewTokens=6", "Rollout:TopK=0", "Learner:MiniBatchSize=8", "Learner:PpoEpochs=1", "Learner:GradClip=0"];

    private static double FirstWins(Trajectory t) => t.GroupIndex == 0 ? 1 : 0;

    private static List<RewardedGroup> Groups(RecPOHarness h, long step, params int[] samples) =>
        samples.Select(i => h.Reward(h.Rollout(step, i), FirstWins)).ToList();

    [Test]
    public void A_lagged_batch_takes_its_ratio_to_the_proximal_policy_and_caps_its_weights_against_the_sampling_one()
    {
        using var h = new RecPOHarness(Settings);
        JobOptions lagged = TinyJob.Options([.. RecPOHarness.Tiny, .. Settings, "Learner:MaxStaleness=1", "Learner:ImportanceCap=1"]);
        var stale = RecPOUpdate.Rows(Groups(h, 0, 0, 1), h.Train);

        // Without lag the correction is neutral: the proximal policy is the sampling one (learning rate 0 moves nothing).
        var synchronousAtSampling = RecPOUpdate.Learn(h.Policy, stale, h.Options, 0);
        var laggedAtSampling = RecPOUpdate.Learn(h.Policy, stale, lagged, 0);
        Assert.That(laggedAtSampling[0].TokenLoss, Is.EqualTo(synchronousAtSampling[0].TokenLoss).Within(1e-5));

        // The policy moves on with other groups (the step in between), then the stale batch is learned.
        h.Learn(Groups(h, 1, 2, 3), 0.1);
        var synchronous = RecPOUpdate.Learn(h.Policy, stale, h.Options, 0);
        var corrected = RecPOUpdate.Learn(h.Policy, stale, lagged, 0);

        TestContext.Out.WriteLine($"|ρ−1| sync {synchronous[0].MaxRatioDeviation:F4}, lagged {corrected[0].MaxRatioDeviation:E2}; " +
            $"capped tokens {corrected[0].CappedTokenFraction:P1}, items {corrected[0].CappedItemFraction:P1}");
        Assert.Multiple(() =>
        {
            Assert.That(synchronous[0].MaxRatioDeviation, Is.GreaterThan(0.05), "to the sampling policy the ratio has moved");
            Assert.That(corrected[0].MaxRatioDeviation, Is.LessThan(1e-5), "to the proximal policy it starts at 1");
            Assert.That(corrected[0].CappedTokenFraction, Is.GreaterThan(0).And.LessThan(1), "some tokens grew likelier than when sampled and hit cap 1");
            Assert.That(synchronous[0].CappedTokenFraction, Is.EqualTo(0), "no weights in the synchronous mode");
        });
    }
}
