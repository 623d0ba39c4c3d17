using R2ec.Data.Datasets;
using R2ec.Data.Prompts;
using R2ec.Model.Recommendation;
using R2ec.Model.Sampling;
using R2ec.Model.Tokenization;
using R2ec.Training.Configuration;

namespace R2ec.Training.Compute;

/// <summary>
/// What every backend's <see cref="IPolicyCompute"/> shares besides the weights: the token ids of user and item prompts
/// (encoded once and kept) and the conversion of sampled
/// trajectories into the job's <see cref="SampledGroup"/>. One copy, so the backends cannot drift apart.
/// </summary>
public sealed class PolicyPrompts
{
    private readonly BpeTokenizer _tokenizer;
    private readonly TrainingData _data;
    private readonly PromptOptions _prompts;
    private readonly Dictionary<Sample, int[]> _userPrompts = new(ReferenceEqualityComparer.Instance);
    private readonly int[]?[] _itemPrompts;
    private readonly Dictionary<Sample, int[]> _rationales = new(ReferenceEqualityComparer.Instance);

    /// <summary>Prompts of <paramref name="data"/> in the form <paramref name="options"/> asks for, encoded by <paramref name="tokenizer"/>.</summary>
    public PolicyPrompts(BpeTokenizer tokenizer, TrainingData data, JobOptions options)
    {
        _tokenizer = tokenizer;
        _data = data;
        _prompts = R2ecPolicyFactory.Prompts(options);
        Answer = tokenizer.SpecialTokenId(SpecialTokens.Answer);
        _itemPrompts = new int[data.ItemCount][];
        KeepsRationale = options.Stages.ReasoningColdStartSteps > 0;
    }

    /// <summary>
    /// Whether the reasoning cold start is on, so the recommendation warm-up keeps the rationale: it reads the head
    /// after "prompt rationale &lt;answer&gt;" too and keeps the rationale's LM loss beside the contrastive loss.
    /// </summary>
    public bool KeepsRationale { get; }

    /// <summary>The tokenizer.</summary>
    public BpeTokenizer Tokenizer => _tokenizer;

    /// <summary>Id of <c>&lt;answer&gt;</c>.</summary>
    public int Answer { get; }

    /// <summary>Items of the dataset (numbered 1..N).</summary>
    public int ItemCount => _itemPrompts.Length;

    /// <summary>The chat-formatted user prompt of <paramref name="sample"/> ending in the generation prompt.</summary>
    public int[] User(Sample sample)
    {
        if (!_userPrompts.TryGetValue(sample, out var ids))
        {
            var prompt = PromptBuilder.UserPrompt(sample, _data.Dataset.Item, _data.Dataset.HasTimestamps, _prompts);
            _userPrompts[sample] = ids = ChatTemplate.Encode(_tokenizer, R2ecPolicyFactory.Messages(prompt), addGenerationPrompt: true);
        }
        return ids;
    }

    /// <summary>The item prompt of item <paramref name="item"/> (1..N), ending in <c>&lt;answer&gt;</c>.</summary>
    public int[] Item(int item) =>
        _itemPrompts[item - 1] ??= ItemEncoder.ItemPrompt(_tokenizer, R2ecPolicyFactory.Messages(PromptBuilder.ItemPrompt(_data.Dataset.Item(item), _prompts)));

    /// <summary>
    /// The cold start's rationale of <paramref name="sample"/> (<see cref="RationaleBuilder"/>, from the history the
    /// prompt shows, never the target), encoded, without the closing <c>&lt;answer&gt;</c>.
    /// </summary>
    public int[] Rationale(Sample sample)
    {
        if (!_rationales.TryGetValue(sample, out var ids))
            _rationales[sample] = ids = _tokenizer.Encode(RationaleBuilder.Build(sample, _data.Dataset.Item, _prompts.MaxHistory));
        return ids;
    }

    /// <summary>
    /// The cold start's sequences, "prompt rationale &lt;answer&gt;", each with the position its loss starts at: the
    /// first rationale token, so only the reasoning span and the <c>&lt;answer&gt;</c> that ends it are learned.
    /// </summary>
    public (List<int[]> Sequences, List<int> LossStart) ReasoningSequences(IReadOnlyList<Sample> batch)
    {
        var sequences = new List<int[]>(batch.Count);
        var starts = new List<int>(batch.Count);
        foreach (var sample in batch)
        {
            var prompt = User(sample);
            sequences.Add([.. prompt, .. Rationale(sample), Answer]);
            starts.Add(prompt.Length);
        }
        return (sequences, starts);
    }

    /// <summary>
    /// The recommendation warm-up's user sequences and each one's sample: "prompt &lt;answer&gt;" for every sample and,
    /// when the reasoning cold start is on, also "prompt rationale &lt;answer&gt;", so the head learns to read the
    /// reasoning as well as the state right after the prompt (the "without reasoning" row keeps its training).
    /// </summary>
    public (List<int[]> Users, List<Sample> Samples) RecWarmupUsers(IReadOnlyList<Sample> batch)
    {
        var users = batch.Select(s => (int[])[.. User(s), Answer]).ToList();
        var samples = batch.ToList();
        if (KeepsRationale)
        {
            users.AddRange(batch.Select(s => (int[])[.. User(s), .. Rationale(s), Answer]));
            samples.AddRange(batch);
        }
        return (users, samples);
    }

    /// <summary>The reasoning sampling options of a group.</summary>
    public SamplingOptions Sampling(in GroupSampling sampling) =>
        SamplingOptions.ForReasoning(_tokenizer, (float)sampling.Temperature, sampling.TopK, (float)sampling.TopP, sampling.MaxNewTokens);

    /// <summary>Greedy options for scoring: with reasoning up to <paramref name="maxNewTokens"/>, or none (the head reads the state right after the prompt).</summary>
    public SamplingOptions Greedy(bool reasoning, int maxNewTokens) =>
        SamplingOptions.ForReasoning(_tokenizer, 1f, 0, 1f, reasoning ? maxNewTokens : 0, greedy: true);

    /// <summary>The job's group from sampled trajectories: each with its log-probs and the scores of every item.</summary>
    public SampledGroup Group(int[] prompt, IReadOnlyList<Trajectory> drawn, ItemTable items, double tau)
    {
        var trajectories = new List<SampledTrajectory>(drawn.Count);
        foreach (var t in drawn)
        {
            // Log-probs are per completion token; an appended <answer> was not sampled and gets 0 (masked in the loss).
            // The old log-probs are at the sampling temperature without top-k/top-p, as the learner recomputes them.
            var sampled = new float[t.CompletionIds.Length];
            var plain = new float[t.CompletionIds.Length];
            t.SamplingLogProbs.CopyTo(sampled, 0);
            t.PolicyLogProbs.CopyTo(plain, 0);
            var scores = RecHead.Scores(t.UserEmbedding, items, (float)tau, []);
            trajectories.Add(new SampledTrajectory(t.CompletionIds, sampled, plain, t.SampledCount < t.CompletionIds.Length, scores));
        }
        return new SampledGroup(prompt, trajectories);
    }

    /// <summary>The recommendation head's scores of every item from a greedy trajectory's user embedding, into <paramref name="scores"/>.</summary>
    public void Score(Trajectory greedy, ItemTable items, double tau, Span<float> scores) =>
        RecHead.Scores(greedy.UserEmbedding, items, (float)tau, []).CopyTo(scores);
}
