using R2ec.Data.Datasets;
using R2ec.Model.Policy;
using R2ec.Model.Recommendation;
using R2ec.Model.Torch;
using R2ec.RecPO;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;
using TorchSharp;
using static TorchSharp.torch;

namespace R2ec.Training.Torch;

/// <summary>
/// <see cref="IPolicyCompute"/> on the TorchSharp policy: the same prompts, sampling rules, item table and RecPO loss
/// arithmetic as the managed backend (<see cref="PolicyPrompts"/>, the shared <c>Generator</c>, <see cref="RecPOGradients"/>),
/// with the forward and backward passes, gradient clipping and AdamW in libtorch.
/// </summary>
/// <remarks>
/// Weights travel as the managed backend's blob (Hugging Face–named safetensors), so a learner on one backend can feed
/// workers on the other and a checkpoint of one resumes on the other. The optimizer blob is this backend's own (its
/// moments are in the Hugging Face layout, the managed engine's in its rotary layout) and says so in its header.
/// </remarks>
public sealed class TorchPolicyCompute : IPolicyCompute
{
    /// <summary>First four bytes of this backend's optimizer blob ("R2TO").</summary>
    public const int OptimizerMagic = 0x4F543252;
    private const int EncodeBatch = 32;
    private const float Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f;
    private readonly TorchQwen2Policy _model;
    private readonly JobOptions _options;
    private readonly PolicyPrompts _prompts;
    private readonly TorchSharp.Modules.Parameter[] _parameters;
    private Tensor[]? _m, _v;
    private int _steps;
    private float[][] _oldItemLogProbs = [];

    /// <summary>
    /// A compute over a copy of <paramref name="policy"/>'s weights on <c>Engine:Device</c> in <c>Engine:DType</c>; only
    /// its tokenizer is kept, so the managed weights can be freed once the copy is made.
    /// </summary>
    public TorchPolicyCompute(R2ecPolicy policy, TrainingData data, JobOptions options)
    {
        _options = options;
        _prompts = new PolicyPrompts(policy.Tokenizer ?? throw new ArgumentException("the policy has no tokenizer", nameof(policy)), data, options);
        _model = TorchQwen2Policy.FromManaged(policy, TorchPolicyFactory.DeviceOf(options.Engine), TorchPolicyFactory.DTypeOf(options.Engine));
        _parameters = _model.parameters().ToArray();
    }

    /// <summary>The torch policy (for tests and benchmarks).</summary>
    public TorchQwen2Policy Model => _model;

    /// <inheritdoc />
    public int EmbeddingSize => _model.Config.HiddenSize;

    /// <inheritdoc />
    public byte[] SaveWeights() => R2ecPolicy.WeightsToBytes(_model.ExportTensors());

    /// <inheritdoc />
    public void LoadWeights(ReadOnlySpan<byte> blob)
    {
        // Straight into the torch parameters, one tensor at a time: no managed model is kept beside the torch one.
        _model.LoadSafeTensors(blob);
    }

    /// <inheritdoc />
    public byte[] SaveOptimizer()
    {
        var (m, v) = Moments();
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write(OptimizerMagic);
        writer.Write(_steps);
        writer.Write(_parameters.Length);
        for (var i = 0; i < _parameters.Length; i++)
        {
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Floats(m[i]).AsSpan()));
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Floats(v[i]).AsSpan()));
        }
        writer.Flush();
        return stream.ToArray();
    }

    /// <inheritdoc />
    public void LoadOptimizer(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 12 || BitConverter.ToInt32(blob[..4]) != OptimizerMagic)
            throw new InvalidDataException("the optimizer blob was not written by the torch backend (a managed engine's optimizer state does not resume on torch)");
        var steps = BitConverter.ToInt32(blob[4..8]);
        var count = BitConverter.ToInt32(blob[8..12]);
        if (count != _parameters.Length)
            throw new InvalidDataException($"optimizer blob holds {count} parameters, the policy has {_parameters.Length}");
        var expected = 12L + _parameters.Sum(p => 2L * p.numel() * sizeof(float));
        if (blob.Length != expected)
            throw new InvalidDataException($"optimizer blob is {blob.Length} bytes, the policy's moments take {expected}");
        var (m, v) = Moments();
        var offset = 12;
        using var _ = no_grad();
        for (var i = 0; i < count; i++)
        {
            foreach (var moment in new[] { m[i], v[i] })
            {
                var n = (int)moment.numel();
                var values = new float[n];
                blob.Slice(offset, n * sizeof(float)).CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
                offset += n * sizeof(float);
                using var cpu = tensor(values, moment.shape);
                moment.copy_(cpu);
            }
        }
        _steps = steps;
    }

    /// <inheritdoc />
    public void EncodeItems(int firstItem, int count, Span<float> output) =>
        _model.EncodePrompts(Enumerable.Range(firstItem, count).Select(_prompts.Item).ToList(), EncodeBatch).CopyTo(output);

    /// <inheritdoc />
    public SampledGroup SampleGroup(Sample sample, in GroupSampling sampling, ItemTable items)
    {
        var prompt = _prompts.User(sample);
        var drawn = TorchGroupDecoder.Generator(_model).SampleGroup(prompt, sampling.GroupSize, _prompts.Sampling(sampling),
            sampling.Seed, sampling.Step, sampling.SampleIndex);
        return _prompts.Group(prompt, drawn, items, _options.RecPO.Tau);
    }

    /// <inheritdoc />
    public void Score(Sample sample, bool reasoning, int maxNewTokens, ItemTable items, Span<float> scores)
    {
        var trajectory = Greedy(sample, reasoning ? maxNewTokens : 0);
        _prompts.Score(trajectory, items, _options.RecPO.Tau, scores);
    }

    /// <inheritdoc />
    public string? GreedyReasoning(Sample sample, int maxNewTokens) => _prompts.Tokenizer.Decode(Greedy(sample, maxNewTokens).CompletionIds);

    private R2ec.Model.Sampling.Trajectory Greedy(Sample sample, int maxNewTokens) =>
        TorchGroupDecoder.Generator(_model).Greedy([_prompts.User(sample)], _prompts.Greedy(maxNewTokens > 0, maxNewTokens))[0];

    /// <inheritdoc />
    public StepLoss WarmUpStep(WarmUpKind kind, IReadOnlyList<Sample> batch, double learningRate)
    {
        double value;
        long tokens;
        using (var scope = NewDisposeScope())
        {
            Tensor loss;
            if (kind is WarmUpKind.Language or WarmUpKind.Reasoning)
            {
                // Next-token prediction on the user prompts and on the prompts of their target items; in the cold
                // start, on the rationale span (and its <answer>) after each prompt only.
                List<int[]> sequences;
                List<int>? starts = null;
                if (kind == WarmUpKind.Reasoning)
                    (sequences, starts) = _prompts.ReasoningSequences(batch);
                else
                    sequences = batch.Select(_prompts.User).Concat(batch.Select(s => _prompts.Item(s.Target))).ToList();
                tokens = sequences.Sum(s => (long)s.Length);
                loss = LmLoss(sequences, starts);
            }
            else
            {
                // In-batch contrastive: the state after "prompt <answer>" (and, with the cold start, after
                // "prompt rationale <answer>") against the target items' embeddings.
                var (users, samples) = _prompts.RecWarmupUsers(batch);
                var targets = batch.Select(s => s.Target).Distinct().ToList();
                var items = targets.Select(_prompts.Item).ToList();
                tokens = users.Sum(s => (long)s.Length) + items.Sum(s => (long)s.Length);
                var scores = Cosine(LastHidden(users), LastHidden(items), _options.RecPO.Tau);
                var labels = samples.Select(s => (long)targets.IndexOf(s.Target)).ToArray();
                loss = nn.functional.cross_entropy(scores, tensor(labels, ScalarType.Int64, _model.Device));
                if (_prompts.KeepsRationale)
                {
                    // The cold start's rationale loss stays on, so the contrastive steps do not unlearn the rationale.
                    var (sequences, starts) = _prompts.ReasoningSequences(batch);
                    loss = loss + LmLoss(sequences, starts);
                }
            }
            value = loss.item<float>();
            loss.backward();
        }
        Step(learningRate, _options.Learner.GradClip);
        return new StepLoss(value, tokens);
    }

    /// <summary>Mean next-token cross-entropy over each sequence from position <c>starts[i]</c> on (default 1).</summary>
    private Tensor LmLoss(List<int[]> sequences, List<int>? starts)
    {
        var requests = new List<(int, int)>();
        var targets = new List<long>();
        for (var i = 0; i < sequences.Count; i++)
        {
            for (var p = Math.Max(1, starts?[i] ?? 1); p < sequences[i].Length; p++)
            {
                requests.Add((i, p - 1));
                targets.Add(sequences[i][p]);
            }
        }
        var logits = _model.Logits(Gather(sequences, requests)).to(ScalarType.Float32);
        return nn.functional.cross_entropy(logits, tensor(targets.ToArray(), ScalarType.Int64, _model.Device));
    }

    /// <inheritdoc />
    public void BeginStep(IReadOnlyList<LearnRow> rows, MiniBatchPlan plan, in LearnSettings settings)
    {
        // The item loss's ratio is p / p_old with p_old the target's probability under the sampling policy: the
        // weights now, before this step's first update. The mini-batch layout is the same in every epoch.
        _oldItemLogProbs = new float[plan.MiniBatchesPerEpoch][];
        using var _ = no_grad();
        foreach (var mb in plan.MiniBatches.Where(m => m.Epoch == 0))
        {
            using var scope = NewDisposeScope();
            var slice = rows.Skip(mb.Start).Take(mb.Count).ToList();
            var columns = ItemColumns.For(settings.Negatives, slice, _prompts.ItemCount);
            var scores = ItemScores(slice.Select(r => (int[])[.. r.PromptTokens, .. r.Tokens]).ToList(), columns, settings.Tau);
            _oldItemLogProbs[mb.Index] = columns.OldLogProbs(Floats(scores), slice);
        }
    }

    /// <inheritdoc />
    public LearnStats LearnMiniBatch(IReadOnlyList<LearnRow> rows, MiniBatch miniBatch, in LearnSettings settings)
    {
        RecPOGradients.Result result;
        int tokenCount;
        using (var scope = NewDisposeScope())
        {
            var (logp, hidden, offsets) = TokenForward(rows);
            tokenCount = offsets[^1];
            var columns = ItemColumns.For(settings.Negatives, rows, _prompts.ItemCount);
            var scores = Cosine(hidden.narrow(0, tokenCount, rows.Count), Items(columns), settings.Tau);

            result = RecPOGradients.Compute(rows, offsets, Floats(logp), Floats(scores), columns, _oldItemLogProbs[miniBatch.Index],
                miniBatch.LossScale, settings);
            // Surrogate whose gradient is RecPO's: Σ (∂L/∂x)·x over the token log-probs and the item scores.
            var total = (logp * tensor(result.TokenGrad, device: _model.Device)).sum()
                + (scores * tensor(result.ItemGrad, [rows.Count, columns.Items.Length], device: _model.Device)).sum();
            total.backward();
        }
        var norm = miniBatch.StepAfter ? Step(settings.LearningRate, settings.GradClip) : 0;
        var (token, item) = (result.Token, result.Item);
        return new LearnStats(token.Loss, item.Loss, token.ClipFraction, token.ApproxKl, norm, tokenCount, token.MaxRatioDeviation,
            result.CappedTokenFraction, result.CappedItemFraction);
    }

    /// <inheritdoc />
    public float[][] TokenLogProbs(IReadOnlyList<LearnRow> rows)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (logp, _, offsets) = TokenForward(rows);
        var all = Floats(logp);
        return rows.Select((_, i) => all[offsets[i]..offsets[i + 1]]).ToArray();
    }

    /// <summary>
    /// The rows' completion-token log-probs under the sampler's distribution (sampling temperature, no top-k/top-p, so
    /// ρ = 1 at the weights that sampled them), the hidden states they came from followed by each sequence's last state,
    /// and the per-row token offsets (plus the total).
    /// </summary>
    private (Tensor LogProbs, Tensor Hidden, int[] Offsets) TokenForward(IReadOnlyList<LearnRow> rows)
    {
        var sequences = rows.Select(r => (int[])[.. r.PromptTokens, .. r.Tokens]).ToList();
        var offsets = new int[rows.Count + 1];
        for (var i = 0; i < rows.Count; i++)
            offsets[i + 1] = offsets[i] + rows[i].Tokens.Length;
        var tokenCount = offsets[^1];
        // Requests: the state before each completion token (position p predicts p + 1), then each sequence's last state.
        var requests = new List<(int, int)>(tokenCount + rows.Count);
        var targets = new long[tokenCount];
        for (var i = 0; i < rows.Count; i++)
        {
            for (var t = 0; t < rows[i].Tokens.Length; t++)
            {
                requests.Add((i, rows[i].PromptTokens.Length - 1 + t));
                targets[offsets[i] + t] = rows[i].Tokens[t];
            }
        }
        for (var i = 0; i < rows.Count; i++)
            requests.Add((i, sequences[i].Length - 1));
        var hidden = Gather(sequences, requests);
        var logits = _model.Logits(hidden.narrow(0, 0, tokenCount)).to(ScalarType.Float32) / _options.Rollout.Temperature;
        var logp = nn.functional.log_softmax(logits, -1)
            .gather(1, tensor(targets, ScalarType.Int64, _model.Device).unsqueeze(1)).squeeze(1);
        return (logp, hidden, offsets);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in (_m ?? []).Concat(_v ?? []))
            t.Dispose();
        _model.Dispose();
    }

    /// <summary>Post-final-norm hidden states [requests, d] at (sequence, position) pairs of right-padded sequences, with gradient.</summary>
    private Tensor Gather(IReadOnlyList<int[]> sequences, IReadOnlyList<(int Sequence, int Position)> requests)
    {
        // Right padding only: attention is causal, so padding after a sequence never changes its real positions.
        var width = sequences.Max(s => s.Length);
        var padded = new long[sequences.Count * width];
        for (var b = 0; b < sequences.Count; b++)
            for (var t = 0; t < sequences[b].Length; t++)
                padded[b * width + t] = sequences[b][t];
        var hidden = _model.Hidden(tensor(padded, [sequences.Count, width], ScalarType.Int64, _model.Device));
        var index = requests.Select(r => (long)r.Sequence * width + r.Position).ToArray();
        return hidden.reshape(-1, _model.Config.HiddenSize).index_select(0, tensor(index, ScalarType.Int64, _model.Device));
    }

    private Tensor LastHidden(IReadOnlyList<int[]> sequences) => Gather(sequences, sequences.Select((s, i) => (i, s.Length - 1)).ToList());

    /// <summary>Scores [rows, columns] of sequences (prompt ⊕ completion) against the columns' items.</summary>
    private Tensor ItemScores(IReadOnlyList<int[]> sequences, ItemColumns columns, double tau) =>
        Cosine(LastHidden(sequences), Items(columns), tau);

    /// <summary>The columns' item embeddings (the distinct targets or the whole table), re-encoded with gradient.</summary>
    private Tensor Items(ItemColumns columns) => LastHidden(columns.Items.Select(_prompts.Item).ToList());

    /// <summary><c>cos(u, v) / τ</c> in float32, with the 1e-12 norm floor of the managed engine and of <c>F.normalize</c>.</summary>
    private static Tensor Cosine(Tensor users, Tensor items, double tau) =>
        nn.functional.normalize(users.to(ScalarType.Float32), p: 2, dim: -1)
            .matmul(nn.functional.normalize(items.to(ScalarType.Float32), p: 2, dim: -1).t()) / tau;

    /// <summary>Clips the accumulated gradients by their global norm, takes an AdamW step and clears them; returns the norm before clipping.</summary>
    private double Step(double learningRate, double gradClip)
    {
        var (m, v) = Moments();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var grads = _parameters.Select(p => p.grad).ToArray();
        // Summed in parameter order in double, as the managed GradClip does, so the norm does not depend on threads.
        var total = 0.0;
        foreach (var g in grads)
            if (g is not null)
                total += g.to(ScalarType.Float32).pow(2).sum().item<float>();
        var norm = Math.Sqrt(total);
        var maxNorm = gradClip > 0 ? gradClip : double.MaxValue;
        if (norm > maxNorm)
        {
            var scale = (float)(maxNorm / ((float)norm + 1e-6f));
            foreach (var g in grads)
                g?.mul_(scale);
        }
        _steps++;
        var lr = (float)learningRate;
        var (stepSize, invSqrtBc2) = AdamWFactors(lr, _steps);
        var decay = 1f - lr * (float)_options.Learner.WeightDecay;
        for (var i = 0; i < _parameters.Length; i++)
        {
            if (grads[i] is not { } g)
                continue;
            // torch.optim.AdamW's update, as the managed AdamW: p ← p·(1 − lr·wd) − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).
            m[i].mul_(Beta1).add_(g, alpha: 1 - Beta1);
            v[i].mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
            var denom = v[i].sqrt().mul_(invSqrtBc2).add_(Epsilon);
            _parameters[i].mul_(decay).sub_(m[i].div(denom).mul_(stepSize));
            g.zero_();
        }
        return (float)norm;
    }

    /// <summary>Step size <c>lr/(1−β₁ᵗ)</c> and <c>1/√(1−β₂ᵗ)</c> of AdamW step <paramref name="step"/> (1-based).</summary>
    internal static (float StepSize, float InvSqrtBc2) AdamWFactors(float learningRate, int step) =>
        ((float)(learningRate / (1.0 - Math.Pow(Beta1, step))), (float)(1.0 / Math.Sqrt(1.0 - Math.Pow(Beta2, step))));

    private (Tensor[] M, Tensor[] V) Moments()
    {
        _m ??= _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        _v ??= _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        return (_m, _v);
    }

    private static float[] Floats(Tensor t) => t.detach().to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
}
