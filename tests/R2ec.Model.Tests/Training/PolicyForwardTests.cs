using R2ec.Model.Sampling;
using R2ec.Model.Tests.Support;
using R2ec.Model.Tests.Tokenization;
using R2ec.Model.Training;
using R2ec.Tensors.Autograd;

namespace R2ec.Model.Tests.Training;

public class PolicyForwardTests
{
    private static readonly int[][] Prompts = [[260, 104, 101, 108, 261, 260], [260, 97, 261, 260], [260, 120, 121, 122, 123, 124, 125, 261, 260]];

    [Test]
    public void RaggedBatchReproducesTheSamplersLogProbsAndEmbeddings()
    {
        var policy = TestModels.Policy(seed: 51);
        var options = SamplingOptions.ForReasoning(TinyTokenizer.Create(), 1.3f, 0, 1f, 8);
        var groups = new Generator(policy).SampleGroups(Prompts.Select((p, i) => new GroupRequest(p, (ulong)i, 1)).ToList(), options, 3, 4);
        var trajectories = groups.Select(g => g[0]).ToArray();
        using var tape = new Tape();
        var output = PolicyForward.Forward(tape, policy, Prompts, trajectories.Select(t => t.CompletionIds).ToList());
        var logp = output.TokenLogProbs.Value.ToArray();
        var users = output.UserEmbeddings.Value.ToArray();
        for (var b = 0; b < Prompts.Length; b++)
        {
            var t = trajectories[b];
            Assert.That(output.Offsets[b + 1] - output.Offsets[b], Is.EqualTo(t.CompletionIds.Length), "every completion token, the last one too");
            for (var i = 0; i < t.SampledCount; i++)
                Assert.That(logp[output.Offsets[b] + i], Is.EqualTo(t.PolicyLogProbs[i]).Within(1e-4), $"sequence {b} token {i}");
            for (var j = 0; j < 16; j++)
                Assert.That(users[b * 16 + j], Is.EqualTo(t.UserEmbedding[j]).Within(1e-5), $"sequence {b} embedding {j}");
        }
        // At the sampling temperature the forward reproduces the sampler's old log-probs: PPO's ratio is 1 before an update.
        using var tempered = new Tape(recording: false);
        var atT = PolicyForward.Forward(tempered, policy, Prompts, trajectories.Select(t => t.CompletionIds).ToList(), 1.3f).TokenLogProbs.Value.ToArray();
        for (var b = 0; b < Prompts.Length; b++)
        {
            for (var i = 0; i < trajectories[b].SampledCount; i++)
                Assert.That(atT[output.Offsets[b] + i], Is.EqualTo(trajectories[b].SamplingLogProbs[i]).Within(1e-5), $"tempered sequence {b} token {i}");
        }
    }

    [Test]
    public void LmLossIsTheMeanNextTokenCrossEntropy()
    {
        var policy = TestModels.Policy(seed: 52);
        float batched;
        using (var tape = new Tape(recording: false))
            batched = PolicyForward.LmLoss(tape, policy, Prompts).Value.Span[0];
        var total = 0.0;
        var count = 0;
        foreach (var p in Prompts)
        {
            using var tape = new Tape(recording: false);
            var completion = p[1..];
            var lp = PolicyForward.Forward(tape, policy, [p[..1]], [completion]).TokenLogProbs.Value.ToArray();
            total -= lp.Sum(v => (double)v);
            count += lp.Length;
        }
        Assert.That(batched, Is.EqualTo(total / count).Within(1e-4));
    }
}
