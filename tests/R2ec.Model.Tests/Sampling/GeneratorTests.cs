using R2ec.Model.Policy;
using R2ec.Model.Sampling;
using R2ec.Model.Tests.Support;
using R2ec.Model.Tests.Tokenization;
using R2ec.Tensors;
using R2ec.Tensors.Autograd;

namespace R2ec.Model.Tests.Sampling;

public class GeneratorTests
{
    private static readonly int[] PromptA = [260, 104, 101, 108, 108, 111, 261];
    private static readonly int[] PromptB = [260, 119, 111, 114, 108, 100, 33, 32, 258, 261, 260];
    private static readonly int[] PromptC = [260, 42];

    private static SamplingOptions Options(int maxNew = 12) => SamplingOptions.ForReasoning(TinyTokenizer.Create(), 2.0f, 50, 0.95f, maxNew);

    private static string Fingerprint(Trajectory t) =>
        $"{t.Key}|{string.Join(",", t.CompletionIds)}|{t.SampledCount}|{t.Stopped}|" +
        string.Join(",", t.SamplingLogProbs.Select(BitConverter.SingleToInt32Bits)) + "|" +
        string.Join(",", t.PolicyLogProbs.Select(BitConverter.SingleToInt32Bits)) + "|" +
        string.Join(",", t.UserEmbedding.Select(BitConverter.SingleToInt32Bits));

    [Test]
    public void SameKeysGiveTheSameTrajectoriesWhateverTheBatchAndThreadCount()
    {
        // Wide enough that the kernels split their work over threads.
        var config = TestModels.Tiny() with { HiddenSize = 64, IntermediateSize = 160 };
        var generator = new Generator(R2ecPolicy.Create(config, 21));
        var options = Options() with { Temperature = 8f };
        var threads = Engine.Threads;
        try
        {
            Engine.Threads = 1;
            var alone = generator.SampleGroup(PromptA, 4, options, seed: 5, step: 3, user: 17).Select(Fingerprint).ToArray();
            Engine.Threads = 2;
            var batched = generator.SampleGroups(
                [new GroupRequest(PromptB, 2, 6), new GroupRequest(PromptA, 17, 4), new GroupRequest(PromptC, 9, 3)], options, 5, 3);
            Assert.That(batched[1].Select(Fingerprint), Is.EqualTo(alone));
            var distinct = batched.SelectMany(g => g).Select(t => string.Join(",", t.CompletionIds)).Distinct().Count();
            Assert.That(distinct, Is.GreaterThan(3), "the streams differ between samples");
            var otherStep = generator.SampleGroup(PromptA, 4, options, seed: 5, step: 4, user: 17).Select(Fingerprint);
            Assert.That(otherStep, Is.Not.EqualTo(alone), "another step key gives other draws");
        }
        finally
        {
            Engine.Threads = threads;
        }
    }

    [Test]
    public void LogProbsAndEmbeddingMatchAFullForwardOfTheCompletion()
    {
        var policy = TestModels.Policy(seed: 22, tied: false);
        var options = SamplingOptions.ForReasoning(TinyTokenizer.Create(), 1.5f, 0, 1f, 10);
        var group = new Generator(policy).SampleGroup(PromptB, 3, options, 1, 2, 3);
        var vocab = policy.Config.VocabSize;
        foreach (var t in group)
        {
            Assert.That(t.CompletionIds[^1], Is.EqualTo(TinyTokenizer.Answer), "completions end with <answer>");
            Assert.That(t.SampledCount, Is.LessThanOrEqualTo(10));
            Assert.That(t.CompletionIds.Length - t.SampledCount, Is.EqualTo(t.Stopped && t.CompletionIds[t.SampledCount - 1] == TinyTokenizer.Answer ? 0 : 1));
            int[] all = [.. PromptB, .. t.CompletionIds];
            using var tape = new Tape(recording: false);
            var hidden = policy.Hidden(tape, all, 1, all.Length);
            var logits = policy.Logits(tape, hidden).Value.ToArray();
            for (var i = 0; i < t.SampledCount; i++)
            {
                var row = logits.AsSpan((PromptB.Length - 1 + i) * vocab, vocab);
                var token = t.CompletionIds[i];
                Assert.That(t.PolicyLogProbs[i], Is.EqualTo(LogSoftmax(row, 1.0, token)).Within(1e-4), $"policy log-prob {i}");
                Assert.That(t.SamplingLogProbs[i], Is.EqualTo(LogSoftmax(row, 1.5, token)).Within(1e-4), $"sampling log-prob {i}");
            }
            var last = hidden.Value.Span.Slice((all.Length - 1) * 16, 16).ToArray();
            Assert.That(t.UserEmbedding.Select((v, i) => Math.Abs(v - last[i])).Max(), Is.LessThan(1e-5), "user embedding at the final <answer>");
        }
    }

    [Test]
    public void GreedyFollowsTheArgmaxAndRespectsTheTokenBudget()
    {
        var policy = TestModels.Policy(seed: 23);
        var options = Options(maxNew: 5) with { StopSequences = [] };
        var result = new Generator(policy).Greedy([PromptA, PromptC], options);
        var vocab = policy.Config.VocabSize;
        for (var p = 0; p < 2; p++)
        {
            var prompt = p == 0 ? PromptA : PromptC;
            var t = result[p];
            Assert.That(t.SampledCount, Is.EqualTo(5));
            Assert.That(t.CompletionIds, Has.Length.EqualTo(6));
            Assert.That(t.CompletionIds[^1], Is.EqualTo(TinyTokenizer.Answer));
            Assert.That(t.SamplingLogProbs, Is.All.EqualTo(0f));
            var seq = prompt.ToList();
            for (var i = 0; i < 5; i++)
            {
                using var tape = new Tape(recording: false);
                var logits = policy.Logits(tape, policy.Hidden(tape, seq.ToArray(), 1, seq.Count)).Value.Span.Slice((seq.Count - 1) * vocab, vocab);
                var argmax = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits);
                Assert.That(t.CompletionIds[i], Is.EqualTo(argmax), $"prompt {p} token {i}");
                seq.Add(argmax);
            }
        }
    }

    [Test]
    public void StopStringsEndTheContinuation()
    {
        var tokenizer = TinyTokenizer.Create();
        var policy = TestModels.Policy(seed: 24);
        var free = new Generator(policy).SampleGroup(PromptA, 1, Options(maxNew: 8) with { StopSequences = [] }, 1, 1, 1)[0];
        // Stop at whatever the unconstrained continuation emits third, given as text.
        var third = tokenizer.Decode(free.CompletionIds.AsSpan(2, 1));
        var options = Options(maxNew: 8) with { StopSequences = [] };
        var stopped = new Generator(policy).SampleGroup(PromptA, 1, options.WithStopStrings(tokenizer, third), 1, 1, 1)[0];
        Assert.That(stopped.Stopped, Is.True);
        Assert.That(stopped.SampledCount, Is.LessThanOrEqualTo(3));
        Assert.That(stopped.CompletionIds[..stopped.SampledCount], Is.EqualTo(free.CompletionIds[..stopped.SampledCount]));
        Assert.That(options.WithStopStrings(tokenizer, "<answer>").StopSequences.Single(), Is.EqualTo(new[] { TinyTokenizer.Answer }));
    }

    [Test]
    public void ZeroTokenBudgetGivesJustTheAnswerToken()
    {
        var t = new Generator(TestModels.Policy()).SampleGroup(PromptA, 2, Options(maxNew: 0), 1, 1, 1);
        Assert.That(t.Select(x => x.CompletionIds), Is.All.EqualTo(new[] { TinyTokenizer.Answer }));
        Assert.That(t[0].UserEmbedding, Has.Length.EqualTo(16));
    }

    private static double LogSoftmax(ReadOnlySpan<float> row, double temperature, int token)
    {
        var max = double.NegativeInfinity;
        foreach (var v in row) max = Math.Max(max, v / temperature);
        var sum = 0.0;
        foreach (var v in row) sum += Math.Exp(v / temperature - max);
        return row[token] / temperature - max - Math.Log(sum);
    }
}
