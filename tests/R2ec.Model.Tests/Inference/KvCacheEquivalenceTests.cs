using R2ec.Model.Inference;
using R2ec.Model.Policy;
using R2ec.Model.Tests.Support;
using R2ec.Tensors.Autograd;

namespace R2ec.Model.Tests.Inference;

public class KvCacheEquivalenceTests
{
    private static float[] FullForwardLastLogits(R2ecPolicy policy, IReadOnlyList<int> tokens)
    {
        using var tape = new Tape(recording: false);
        var ids = tokens.ToArray();
        var logits = policy.Logits(tape, policy.Hidden(tape, ids, 1, ids.Length)).Value;
        return logits.Span.Slice((ids.Length - 1) * policy.Config.VocabSize, policy.Config.VocabSize).ToArray();
    }

    [TestCase(true)]
    [TestCase(false)]
    public void RaggedPrefillAndDecodeMatchTheFullForward(bool tied)
    {
        var policy = TestModels.Policy(seed: 5, tied: tied);
        var vocab = policy.Config.VocabSize;
        var d = policy.Config.HiddenSize;
        int[][] prompts = [[260, 104, 101], [260, 72, 105, 33, 32, 256, 258], [260, 97, 98, 99, 262]];
        var sequences = prompts.Select(p => p.ToList()).ToArray();
        // Slots deliberately out of order and not starting at 0.
        int[] slotOf = [4, 1, 2];
        var cache = PolicyInference.CreateCache(policy, slots: 5, capacity: 20);
        var hidden = new float[3 * d];
        var logits = new float[3 * vocab];
        PolicyInference.Step(policy, cache, slotOf, prompts.Select(p => p.Length).ToArray(), prompts.SelectMany(p => p).ToArray(),
            hidden, [0, 1, 2], logits);
        var maxDiff = 0.0;
        void Compare(int seq, ReadOnlySpan<float> actual)
        {
            var expected = FullForwardLastLogits(policy, sequences[seq]);
            for (var v = 0; v < vocab; v++)
                maxDiff = Math.Max(maxDiff, Math.Abs(actual[v] - expected[v]));
        }
        for (var s = 0; s < 3; s++)
            Compare(s, logits.AsSpan(s * vocab, vocab));

        // Decode: sequence 1 stops after 2 steps, so later steps are ragged batches of 2.
        for (var step = 0; step < 6; step++)
        {
            var active = Enumerable.Range(0, 3).Where(s => s != 1 || step < 2).ToArray();
            var next = active.Select(s => (s * 31 + step * 17) % vocab).ToArray();
            for (var i = 0; i < active.Length; i++)
                sequences[active[i]].Add(next[i]);
            var h = new float[active.Length * d];
            var l = new float[active.Length * vocab];
            PolicyInference.Step(policy, cache, active.Select(s => slotOf[s]).ToArray(), active.Select(_ => 1).ToArray(), next,
                h, Enumerable.Range(0, active.Length).ToArray(), l);
            for (var i = 0; i < active.Length; i++)
                Compare(active[i], l.AsSpan(i * vocab, vocab));
        }
        TestContext.Out.WriteLine($"max abs logit difference, KV cache vs full forward: {maxDiff:E2}");
        Assert.That(maxDiff, Is.LessThan(1e-4), "max |logit difference| between KV-cached and full forward");
        Assert.That(cache.Length(slotOf[0]), Is.EqualTo(3 + 6));
        Assert.That(cache.Length(slotOf[1]), Is.EqualTo(7 + 2));
    }

    [Test]
    public void SharedPrefixCopyDecodesLikeItsOwnPrefill()
    {
        var policy = TestModels.Policy(seed: 9);
        var vocab = policy.Config.VocabSize;
        int[] prompt = [260, 104, 101, 108, 108, 111];
        var cache = PolicyInference.CreateCache(policy, 3, 16);
        var h = new float[policy.Config.HiddenSize];
        PolicyInference.Step(policy, cache, [0], [prompt.Length], prompt, h, [], []);
        cache.CopyPrefix(0, 2, prompt.Length);
        var l = new float[2 * vocab];
        PolicyInference.Step(policy, cache, [0, 2], [1, 1], [33, 34], new float[2 * policy.Config.HiddenSize], [0, 1], l);
        var expected = FullForwardLastLogits(policy, [.. prompt, 34]);
        Assert.That(l.AsSpan(vocab).ToArray().Select((v, i) => Math.Abs(v - expected[i])).Max(), Is.LessThan(1e-4));
    }

    [Test]
    public void OverfullSlotIsRefused()
    {
        var policy = TestModels.Policy();
        var cache = PolicyInference.CreateCache(policy, 1, 4);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            PolicyInference.Step(policy, cache, [0], [5], [1, 2, 3, 4, 5], new float[16], [], []));
        Assert.That(e!.Message, Does.Contain("capacity is 4"));
    }
}
