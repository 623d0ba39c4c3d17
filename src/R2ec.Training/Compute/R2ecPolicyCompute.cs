using System.Runtime.InteropServices;
using R2ec.Data.Datasets;
using R2ec.Data.Prompts;
using R2ec.Model.Policy;
using R2ec.Model.Recommendation;
using R2ec.Model.Sampling;
using R2ec.Model.Tokenization;
using R2ec.Model.Training;
using R2ec.RecPO;
using R2ec.Tensors.Autograd;
using R2ec.Tensors.Ops;
using R2ec.Tensors.Optim;
using R2ec.Training.Configuration;

namespace R2ec.Training.Compute;

/// <summary>
/// <see cref="IPolicyCompute"/> on R2ec.Model's policy: sampling with one shared prefill per group, the item encoder,
/// the recommendation head, and the learner's losses built from R2ec.RecPO's gradients (token PPO-clip loss on the
/// completion log-probs, in-batch item PPO-clip loss on cos/τ scores) through the tensor engine's autograd and AdamW.
/// </summary>
internal sealed class R2ecPolicyCompute : IPolicyCompute
{
    private const int EncodeBatch = 32;
    private readonly R2ecPolicy _policy;
    private readonly JobOptions _options;
    private readonly PolicyPrompts _prompts;
    private AdamW? _optimizer;
    private float[][] _oldItemLogProbs = [];

    public R2ecPolicyCompute(R2ecPolicy policy, TrainingData data, JobOptions options)
    {
        _policy = policy;
        _options = options;
        _prompts = new PolicyPrompts(policy.Tokenizer ?? throw new ArgumentException("the policy has no tokenizer", nameof(policy)), data, options);
    }

    public int EmbeddingSize => _policy.Config.HiddenSize;

    private AdamW Optimizer => _optimizer ??= new AdamW(_policy.Parameters, (float)_options.Learner.LearningRate,
        weightDecay: (float)_options.Learner.WeightDecay);

    public byte[] SaveWeights() => _policy.WeightsToBytes();

    public void LoadWeights(ReadOnlySpan<byte> blob) => _policy.LoadWeights(blob.ToArray());

    public byte[] SaveOptimizer()
    {
        var optimizer = Optimizer;
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write(optimizer.StepCount);
        writer.Write(optimizer.Parameters.Count);
        for (var i = 0; i < optimizer.Parameters.Count; i++)
        {
            writer.Write(MemoryMarshal.AsBytes(optimizer.FirstMoment(i)));
            writer.Write(MemoryMarshal.AsBytes(optimizer.SecondMoment(i)));
        }
        writer.Flush();
        return stream.ToArray();
    }

    public void LoadOptimizer(ReadOnlySpan<byte> blob)
    {
        var optimizer = Optimizer;
        var steps = BitConverter.ToInt32(blob[..4]);
        var count = BitConverter.ToInt32(blob[4..8]);
        if (count != optimizer.Parameters.Count)
            throw new InvalidDataException($"optimizer blob holds {count} parameters, the policy has {optimizer.Parameters.Count}");
        var expected = 8L;
        for (var i = 0; i < count; i++)
            expected += 2L * optimizer.FirstMoment(i).Length * sizeof(float);
        if (blob.Length != expected)
            throw new InvalidDataException($"optimizer blob is {blob.Length} bytes, the policy's moments take {expected}");
        var offset = 8;
        for (var i = 0; i < count; i++)
        {
            var m = optimizer.FirstMoment(i);
            blob.Slice(offset, m.Length * sizeof(float)).CopyTo(MemoryMarshal.AsBytes(m));
            offset += m.Length * sizeof(float);
            var v = optimizer.SecondMoment(i);
            blob.Slice(offset, v.Length * sizeof(float)).CopyTo(MemoryMarshal.AsBytes(v));
            offset += v.Length * sizeof(float);
        }
        optimizer.RestoreStepCount(steps);
    }

    public void EncodeItems(int firstItem, int count, Span<float> output)
    {
        var prompts = Enumerable.Range(firstItem, count).Select(_prompts.Item).ToList();
        new ItemEncoder(_policy).EncodeInto(prompts, EncodeBatch, output);
    }

    public SampledGroup SampleGroup(Sample sample, in GroupSampling sampling, ItemTable items)
    {
        var prompt = _prompts.User(sample);
        var drawn = new Generator(_policy).SampleGroup(prompt, sampling.GroupSize, _prompts.Sampling(sampling), sampling.Seed, sampling.Step, sampling.SampleIndex);
        return _prompts.Group(prompt, drawn, items, _options.RecPO.Tau);
    }

    public void Score(Sample sample, bool reasoning, int maxNewTokens, ItemTable items, Span<float> scores)
    {
        // Without reasoning: no sampled tokens, only the appended <answer>, so the head reads the state right after the prompt.
        var trajectory = Greedy(sample, reasoning ? maxNewTokens : 0);
        _prompts.Score(trajectory, items, _options.RecPO.Tau, scores);
    }

    public string? GreedyReasoning(Sample sample, int maxNewTokens) => _prompts.Tokenizer.Decode(Greedy(sample, maxNewTokens).CompletionIds);

    private Trajectory Greedy(Sample sample, int maxNewTokens) =>
        new Generator(_policy).Greedy([_prompts.User(sample)], _prompts.Greedy(maxNewTokens > 0, maxNewTokens))[0];

    public StepLoss WarmUpStep(WarmUpKind kind, IReadOnlyList<Sample> batch, double learningRate)
    {
        using var tape = new Tape();
        Variable loss;
        long tokens;
        if (kind == WarmUpKind.Language)
        {
            // Next-token prediction on the user prompts and on the prompts of their target items.
            var sequences = batch.Select(_prompts.User).Concat(batch.Select(s => _prompts.Item(s.Target))).ToList();
            tokens = sequences.Sum(s => (long)s.Length);
            loss = PolicyForward.LmLoss(tape, _policy, sequences);
        }
        else if (kind == WarmUpKind.Reasoning)
        {
            // Teacher-forced rationale: the loss covers the reasoning span and its closing <answer> only.
            var (sequences, starts) = _prompts.ReasoningSequences(batch);
            tokens = sequences.Sum(s => (long)s.Length);
            loss = PolicyForward.LmLoss(tape, _policy, sequences, starts);
        }
        else
        {
            // In-batch contrastive: the state after "prompt <answer>" (and, with the cold start, after
            // "prompt rationale <answer>") against the target items' embeddings.
            var (users, samples) = _prompts.RecWarmupUsers(batch);
            var targets = batch.Select(s => s.Target).Distinct().ToList();
            var itemSequences = targets.Select(_prompts.Item).ToList();
            tokens = users.Sum(s => (long)s.Length) + itemSequences.Sum(s => (long)s.Length);
            var scores = Cosine.Similarity(tape, PolicyForward.LastHidden(tape, _policy, users),
                PolicyForward.LastHidden(tape, _policy, itemSequences), (float)_options.RecPO.Tau);
            loss = CrossEntropy.Loss(tape, scores, samples.Select(s => targets.IndexOf(s.Target)).ToArray());
            if (_prompts.KeepsRationale)
            {
                // The cold start's rationale loss stays on: contrastive steps alone move the shared weights until the
                // policy no longer writes its rationale (greedy decoding then loops on one token).
                var (sequences, starts) = _prompts.ReasoningSequences(batch);
                loss = Residual.Add(tape, loss, PolicyForward.LmLoss(tape, _policy, sequences, starts));
            }
        }
        var value = loss.Value.Span[0];
        tape.Backward(loss);
        Step(learningRate, _options.Learner.GradClip);
        return new StepLoss(value, tokens);
    }

    public void BeginStep(IReadOnlyList<LearnRow> rows, MiniBatchPlan plan, in LearnSettings settings)
    {
        // The item loss's ratio is p / p_old with p_old the target's probability under the sampling policy: the
        // weights now, before this step's first update. The mini-batch layout is the same in every epoch.
        _oldItemLogProbs = new float[plan.MiniBatchesPerEpoch][];
        foreach (var mb in plan.MiniBatches.Where(m => m.Epoch == 0))
        {
            using var tape = new Tape(recording: false);
            var slice = rows.Skip(mb.Start).Take(mb.Count).ToList();
            var (scores, columns) = ItemScores(tape, slice, settings, PolicyForward.LastHidden(tape, _policy,
                slice.Select(r => (int[])[.. r.PromptTokens, .. r.Tokens]).ToList()));
            _oldItemLogProbs[mb.Index] = columns.OldLogProbs(scores.Value.Span, slice);
        }
    }

    public LearnStats LearnMiniBatch(IReadOnlyList<LearnRow> rows, MiniBatch miniBatch, in LearnSettings settings)
    {
        using var tape = new Tape();
        // New log-probs under the same distribution as the sampler's old ones (sampling temperature, no top-k/top-p),
        // so the ratio is 1 at the weights that sampled the batch.
        var output = PolicyForward.Forward(tape, _policy, rows.Select(r => r.PromptTokens).ToList(), rows.Select(r => r.Tokens).ToList(),
            (float)_options.Rollout.Temperature);

        var tokenCount = output.Offsets[^1];
        var (scores, columns) = ItemScores(tape, rows, settings, output.UserEmbeddings);
        var result = RecPOGradients.Compute(rows, output.Offsets, output.TokenLogProbs.Value.Span,
            scores.Value.Span, columns, _oldItemLogProbs[miniBatch.Index], miniBatch.LossScale, settings);
        var (token, item, tokenGrad, itemGrad) = result;
        var total = Residual.Add(tape, Reduce.WeightedSum(tape, output.TokenLogProbs, tokenGrad), Reduce.WeightedSum(tape, scores, itemGrad));
        tape.Backward(total);

        var norm = miniBatch.StepAfter ? Step(settings.LearningRate, settings.GradClip) : 0;
        return new LearnStats(token.Loss, item.Loss, token.ClipFraction, token.ApproxKl, norm, tokenCount, token.MaxRatioDeviation,
            result.CappedTokenFraction, result.CappedItemFraction);
    }

    public float[][] TokenLogProbs(IReadOnlyList<LearnRow> rows)
    {
        using var tape = new Tape(recording: false);
        var output = PolicyForward.Forward(tape, _policy, rows.Select(r => r.PromptTokens).ToList(), rows.Select(r => r.Tokens).ToList(),
            (float)_options.Rollout.Temperature);
        var all = output.TokenLogProbs.Value.Span;
        var result = new float[rows.Count][];
        for (var i = 0; i < rows.Count; i++)
            result[i] = all[output.Offsets[i]..output.Offsets[i + 1]].ToArray();
        return result;
    }

    public void Dispose()
    {
    }

    /// <summary>
    /// Scores [rows, columns] of the rows' user embeddings against the item columns (the distinct targets or the whole
    /// table), the items re-encoded on the tape, so both sides get gradients.
    /// </summary>
    private (Variable Scores, ItemColumns Columns) ItemScores(Tape tape, IReadOnlyList<LearnRow> rows, in LearnSettings settings, Variable users)
    {
        var columns = ItemColumns.For(settings.Negatives, rows, _prompts.ItemCount);
        var items = PolicyForward.LastHidden(tape, _policy, columns.Items.Select(_prompts.Item).ToList());
        return (Cosine.Similarity(tape, users, items, (float)settings.Tau), columns);
    }

    private double Step(double learningRate, double gradClip)
    {
        var optimizer = Optimizer;
        var norm = GradClip.ClipByGlobalNorm(_policy.Parameters, gradClip > 0 ? (float)gradClip : float.MaxValue);
        optimizer.LearningRate = (float)learningRate;
        optimizer.Step();
        optimizer.ZeroGrad();
        return norm;
    }
}
