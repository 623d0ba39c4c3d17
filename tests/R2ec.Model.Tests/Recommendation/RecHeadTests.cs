using R2ec.Model.Recommendation;
using R2ec.Model.Tests.Support;
using R2ec.Model.Tests.Tokenization;
using R2ec.Model.Tokenization;
using R2ec.Tensors.Autograd;

namespace R2ec.Model.Tests.Recommendation;

public class RecHeadTests
{
    [Test]
    public void ScoresAreCosineOverTemperatureWithHistoryMasked()
    {
        var table = new ItemTable(1, 3, 2, [1f, 0f, 0f, 1f, 0.6f, 0.8f]);
        var scores = RecHead.Scores([3f, 4f], table, 0.02f, [1]);
        Assert.That(scores[0], Is.EqualTo(0.6 / 0.02).Within(1e-3));
        Assert.That(scores[1], Is.EqualTo(float.NegativeInfinity));
        Assert.That(scores[2], Is.EqualTo(1.0 / 0.02).Within(1e-3));
        Assert.Throws<ArgumentOutOfRangeException>(() => RecHead.Scores([3f, 4f], table, 0.02f, [3]));
    }

    [Test]
    public void ItemEncoderGivesTheNormalisedLastHiddenStateWhateverTheBatchSize()
    {
        var policy = TestModels.Policy(seed: 41);
        var tokenizer = TinyTokenizer.Create();
        var prompts = new[] { "the", "aa the", "hello there", "x" }
            .Select(t => ItemEncoder.ItemPrompt(tokenizer, [new ChatMessage(ChatMessage.User, t)])).ToList();
        Assert.That(prompts.Select(p => p[^1]), Is.All.EqualTo(TinyTokenizer.Answer), "item prompts end with <answer>");
        var encoder = new ItemEncoder(policy);
        var one = encoder.Encode(prompts, batchSize: 1, version: 7);
        var three = encoder.Encode(prompts, batchSize: 3, version: 7);
        Assert.That(three.Vectors.ToArray(), Is.EqualTo(one.Vectors.ToArray()), "bit-identical for any batch size");
        Assert.That(one.Version, Is.EqualTo(7));
        for (var i = 0; i < prompts.Count; i++)
        {
            using var tape = new Tape(recording: false);
            var h = policy.Hidden(tape, prompts[i], 1, prompts[i].Length).Value.Span.Slice((prompts[i].Length - 1) * 16, 16).ToArray();
            var norm = Math.Sqrt(h.Sum(v => (double)v * v));
            var row = one.Row(i).ToArray();
            Assert.That(row.Select((v, j) => Math.Abs(v - h[j] / norm)).Max(), Is.LessThan(1e-5), $"item {i}");
        }
    }
}
