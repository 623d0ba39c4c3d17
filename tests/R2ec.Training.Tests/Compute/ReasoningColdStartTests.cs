using R2ec.Data.Prompts;
using R2ec.Model.Tokenization;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;
using R2ec.Training.Tests.Support;

namespace R2ec.Training.Tests.Compute;

/// <summary>
/// The reasoning cold start on the real (tiny) policy: the sequences it trains on, that its loss covers the rationale
/// span only and falls as the policy learns the rationale, and that the recommendation warm-up reads the rationale too
/// when the cold start is on.
/// </summary>
public sealed class ReasoningColdStartTests
{
    private static readonly string[] Tiny =
    [
        "Model:HiddenSize=16", "Model:Layers=1", "Model:Heads=2", "Model:KeyValueHeads=1", "Model:IntermediateSize=32",
        "Stages:TokenizerVocabulary=320", "Data:HistoryWindow=3",
    ];

    private static (JobOptions Options, TrainingData Data, byte[] Tokenizer) Setup(int coldStartSteps)
    {
        var options = TinyJob.Options([.. Tiny, $"Stages:ReasoningColdStartSteps={coldStartSteps}"]);
        var data = TinyJob.Data(options);
        return (options, data, new R2ecPolicyFactory(options).BuildTokenizer(data, options.Stages.TokenizerVocabulary));
    }

    [Test]
    public void Reasoning_sequences_are_prompt_rationale_answer_and_the_loss_starts_after_the_prompt()
    {
        var (options, data, tokenizer) = Setup(coldStartSteps: 2);
        var prompts = new PolicyPrompts(TokenizerJson.Parse(tokenizer), data, options);
        var batch = data.Dataset.Train.Take(3).ToList();

        var (sequences, starts) = prompts.ReasoningSequences(batch);

        for (var i = 0; i < batch.Count; i++)
        {
            var prompt = prompts.User(batch[i]);
            var expected = RationaleBuilder.Build(batch[i], data.Dataset.Item, R2ecPolicyFactory.Prompts(options).MaxHistory);
            Assert.That(starts[i], Is.EqualTo(prompt.Length));
            Assert.That(sequences[i][..prompt.Length], Is.EqualTo(prompt));
            Assert.That(sequences[i][^1], Is.EqualTo(prompts.Answer));
            Assert.That(prompts.Tokenizer.Decode(sequences[i][prompt.Length..^1]), Is.EqualTo(expected));
        }
    }

    [TestCase(0, 1)]
    [TestCase(5, 2)]
    public void Recommendation_warm_up_reads_the_rationale_only_when_the_cold_start_is_on(int coldStartSteps, int rowsPerSample)
    {
        var (options, data, tokenizer) = Setup(coldStartSteps);
        var prompts = new PolicyPrompts(TokenizerJson.Parse(tokenizer), data, options);
        var batch = data.Dataset.Train.Take(4).ToList();

        var (users, samples) = prompts.RecWarmupUsers(batch);

        Assert.That(users, Has.Count.EqualTo(batch.Count * rowsPerSample));
        Assert.That(samples, Is.EqualTo(Enumerable.Repeat(batch, rowsPerSample).SelectMany(b => b)));
        // The "without reasoning" rows are always there: the head after "prompt <answer>".
        Assert.That(users.Take(batch.Count), Is.EqualTo(batch.Select(s => (int[])[.. prompts.User(s), prompts.Answer])));
        if (rowsPerSample == 2)
            Assert.That(users.Skip(batch.Count), Is.EqualTo(batch.Select(s => (int[])[.. prompts.User(s), .. prompts.Rationale(s), prompts.Answer])));
    }

    [Test]
    public void Cold_start_steps_teach_the_policy_its_rationale()
    {
        var (options, data, tokenizer) = Setup(coldStartSteps: 2);
        using var policy = new R2ecPolicyFactory(options).Create(tokenizer, data, seed: 7);
        var batch = data.Dataset.Train.Take(4).ToList();

        var first = policy.WarmUpStep(WarmUpKind.Reasoning, batch, 5e-3);
        var last = first;
        for (var i = 0; i < 80; i++)
            last = policy.WarmUpStep(WarmUpKind.Reasoning, batch, 5e-3);

        // The forward pass reads the whole "prompt rationale <answer>" sequences.
        var prompts = new PolicyPrompts(TokenizerJson.Parse(tokenizer), data, options);
        Assert.That(first.Tokens, Is.EqualTo(prompts.ReasoningSequences(batch).Sequences.Sum(s => (long)s.Length)));
        Assert.That(last.Loss, Is.LessThan(0.5 * first.Loss), $"cold-start loss {first.Loss:F3} → {last.Loss:F3}");
    }

    [Test]
    public void Recommendation_warm_up_with_the_cold_start_on_keeps_training_the_rationale()
    {
        double RationaleLossAfterRecSteps(int coldStartSteps)
        {
            var (options, data, tokenizer) = Setup(coldStartSteps);
            using var policy = new R2ecPolicyFactory(options).Create(tokenizer, data, seed: 7);
            var batch = data.Dataset.Train.Take(4).ToList();
            for (var i = 0; i < 40; i++)
                policy.WarmUpStep(WarmUpKind.Recommendation, batch, 5e-3);
            // A step at rate 0 leaves the weights as they are and reports the rationale's loss.
            return policy.WarmUpStep(WarmUpKind.Reasoning, batch, 0).Loss;
        }

        var off = RationaleLossAfterRecSteps(0);
        var on = RationaleLossAfterRecSteps(2);

        Assert.That(on, Is.LessThan(0.7 * off), $"rationale loss after the recommendation warm-up: on {on:F3}, off {off:F3}");
    }
}
