using R2ec.Data.Datasets;
using R2ec.Model.Recommendation;
using R2ec.RecPO;

namespace R2ec.Training.Compute;

/// <summary>
/// A small deterministic policy for testing and load-testing the orchestration (not a language model): token logits,
/// item vectors and token vectors; the user embedding is the mean history vector plus the mean vector of the
/// completion's tokens. It learns (so weights and optimizer state matter for resume) and its sampling uses only the
/// keys it is given. <c>Engine:Backend=Toy</c> runs a job with it, so that many simulated rollout workers per process
/// drive the real coordinator, reward and learner path (tests/bench/cluster-scale.py); <see cref="SampleDelay"/>
/// stands for the time a GPU would take to sample a group.
/// </summary>
public sealed class ToyPolicy : IPolicyCompute
{
    /// <summary>Tokens of the toy vocabulary.</summary>
    public const int Vocabulary = 12;

    /// <summary>The token that ends a completion (<c>&lt;answer&gt;</c>).</summary>
    public const int Answer = 0;
    private const int Dim = 6;
    private readonly int _items;
    private float[] _logits;
    private float[] _itemVectors;
    private float[] _tokenVectors;
    private float[] _momentum;
    private long _optimizerSteps;
    private readonly float[] _pendingGrad = new float[Vocabulary];

    /// <summary>A policy over <paramref name="items"/> items with weights keyed by <paramref name="seed"/>.</summary>
    public ToyPolicy(int items, ulong seed)
    {
        _items = items;
        var rng = new Random((int)(seed % int.MaxValue));
        _logits = Enumerable.Range(0, Vocabulary).Select(i => i == Answer ? -1f : (float)rng.NextDouble()).ToArray();
        _itemVectors = Enumerable.Range(0, items * Dim).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        _tokenVectors = Enumerable.Range(0, Vocabulary * Dim).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        _momentum = new float[Vocabulary];
    }

    /// <summary>
    /// Time <see cref="SampleGroup"/> holds its thread per group, as a rollout worker waits on its GPU (0: none).
    /// It blocks the calling thread on purpose: a rollout worker runs on the compute dispatcher, one thread per worker.
    /// </summary>
    public TimeSpan SampleDelay { get; init; }

    /// <inheritdoc />
    public int EmbeddingSize => Dim;

    /// <inheritdoc />
    public byte[] SaveWeights() => Pack(_logits, _itemVectors, _tokenVectors);

    /// <inheritdoc />
    public void LoadWeights(ReadOnlySpan<byte> blob)
    {
        var parts = Unpack(blob);
        (_logits, _itemVectors, _tokenVectors) = (parts[0], parts[1], parts[2]);
    }

    /// <inheritdoc />
    public byte[] SaveOptimizer() => Pack(_momentum, [_optimizerSteps]);

    /// <inheritdoc />
    public void LoadOptimizer(ReadOnlySpan<byte> blob)
    {
        var parts = Unpack(blob);
        _momentum = parts[0];
        _optimizerSteps = (long)parts[1][0];
    }

    /// <inheritdoc />
    public void EncodeItems(int firstItem, int count, Span<float> output) =>
        _itemVectors.AsSpan((firstItem - 1) * Dim, count * Dim).CopyTo(output);

    /// <inheritdoc />
    public SampledGroup SampleGroup(Sample sample, in GroupSampling sampling, ItemTable items)
    {
        if (SampleDelay > TimeSpan.Zero)
            Thread.Sleep(SampleDelay);
        var trajectories = new List<SampledTrajectory>();
        for (var g = 0; g < sampling.GroupSize; g++)
        {
            var rng = new Random(HashCode.Combine(sampling.Seed, sampling.Step, sampling.SampleIndex, g) & int.MaxValue);
            var tokens = new List<int>();
            var logps = new List<float>();
            var plain = new List<float>();
            var appended = true;
            for (var t = 0; t < sampling.MaxNewTokens; t++)
            {
                var probs = Softmax(_logits, sampling.Temperature);
                var u = rng.NextDouble();
                var token = 0;
                for (var acc = 0.0; token < Vocabulary - 1; token++)
                {
                    acc += probs[token];
                    if (u < acc) break;
                }
                tokens.Add(token);
                logps.Add((float)Math.Log(probs[token]));
                plain.Add((float)Math.Log(Softmax(_logits, 1)[token]));
                if (token == Answer)
                {
                    appended = false;
                    break;
                }
            }
            if (appended)
            {
                tokens.Add(Answer);
                logps.Add(0);
                plain.Add(0);
            }
            var scores = new float[items.Count];
            ScoreAll(UserVector(sample, tokens), items, 0.1, scores);
            trajectories.Add(new SampledTrajectory(tokens.ToArray(), logps.ToArray(), plain.ToArray(), appended, scores));
        }
        return new SampledGroup([.. sample.History], trajectories);
    }

    /// <inheritdoc />
    public void Score(Sample sample, bool reasoning, int maxNewTokens, ItemTable items, Span<float> scores)
    {
        var tokens = new List<int>();
        if (reasoning)
        {
            var best = Array.IndexOf(_logits, _logits.Max());
            for (var t = 0; t < maxNewTokens && best != Answer; t++) tokens.Add(best);
            tokens.Add(Answer);
        }
        ScoreAll(UserVector(sample, tokens), items, 0.1, scores);
    }

    /// <summary>When set, the warm-up step with this 1-based number throws (a learner that fails, for the job's supervision tests).</summary>
    public int? FailAtWarmUpStep { get; init; }

    private int _warmUpSteps;

    /// <inheritdoc />
    public StepLoss WarmUpStep(WarmUpKind kind, IReadOnlyList<Sample> batch, double learningRate)
    {
        if (++_warmUpSteps == FailAtWarmUpStep)
            throw new InvalidOperationException($"toy policy: injected failure at warm-up step {_warmUpSteps}");
        var loss = 0.0;
        foreach (var sample in batch)
        {
            if (kind == WarmUpKind.Language)
            {
                // Pull the logits towards the tokens of the history's item numbers (any deterministic target will do).
                var target = sample.Target % Vocabulary;
                var probs = Softmax(_logits, 1);
                loss -= Math.Log(probs[target]);
                for (var v = 0; v < Vocabulary; v++)
                    _logits[v] += (float)(learningRate * ((v == target ? 1 : 0) - probs[v]));
            }
            else
            {
                var h = UserVector(sample, []);
                var row = _itemVectors.AsSpan((sample.Target - 1) * Dim, Dim);
                for (var d = 0; d < Dim; d++)
                {
                    loss += (h[d] - row[d]) * (h[d] - row[d]);
                    row[d] += (float)(learningRate * (h[d] - row[d]));
                }
            }
        }
        return new StepLoss(loss / batch.Count, batch.Count * 4);
    }

    /// <inheritdoc />
    public void BeginStep(IReadOnlyList<LearnRow> rows, MiniBatchPlan plan, in LearnSettings settings)
    {
    }

    /// <inheritdoc />
    public LearnStats LearnMiniBatch(IReadOnlyList<LearnRow> rows, MiniBatch miniBatch, in LearnSettings settings)
    {
        var probs = Softmax(_logits, 1);
        double tokenLoss = 0, itemLoss = 0, kl = 0;
        long tokens = 0;
        foreach (var row in rows)
        {
            for (var t = 0; t < row.Tokens.Length; t++)
            {
                var token = row.Tokens[t];
                var logp = Math.Log(probs[token]);
                kl += row.OldLogprobs[t] - logp;
                tokenLoss -= row.Advantage * logp;
                for (var v = 0; v < Vocabulary; v++)
                    _pendingGrad[v] += (float)(miniBatch.LossScale * row.Advantage * ((v == token ? 1 : 0) - probs[v]) / rows.Count);
                tokens++;
            }
            if (row.Relabel > 0)
            {
                var h = UserVector(row.Sample, row.Tokens);
                var target = _itemVectors.AsSpan((row.Sample.Target - 1) * Dim, Dim);
                for (var d = 0; d < Dim; d++)
                {
                    itemLoss += Math.Abs(h[d] - target[d]);
                    target[d] += (float)(settings.LearningRate * row.Advantage * (h[d] - target[d]));
                }
            }
        }
        var norm = 0.0;
        if (miniBatch.StepAfter)
        {
            norm = Math.Sqrt(_pendingGrad.Sum(x => (double)x * x)) + 1e-12;
            for (var v = 0; v < Vocabulary; v++)
            {
                _momentum[v] = 0.9f * _momentum[v] + _pendingGrad[v];
                _logits[v] += (float)(settings.LearningRate * 100 * _momentum[v]);
                _pendingGrad[v] = 0;
            }
            _optimizerSteps++;
        }
        return new LearnStats(tokenLoss / Math.Max(1, tokens), itemLoss / rows.Count, 0, kl / Math.Max(1, tokens), norm, tokens);
    }

    /// <inheritdoc />
    public float[][] TokenLogProbs(IReadOnlyList<LearnRow> rows)
    {
        var probs = Softmax(_logits, 1);
        return rows.Select(r => r.Tokens.Select(t => (float)Math.Log(probs[t])).ToArray()).ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private float[] UserVector(Sample sample, IReadOnlyList<int> tokens)
    {
        var h = new float[Dim];
        foreach (var item in sample.History)
            for (var d = 0; d < Dim; d++) h[d] += _itemVectors[(item - 1) * Dim + d] / sample.History.Length;
        foreach (var token in tokens)
            for (var d = 0; d < Dim; d++) h[d] += 0.3f * _tokenVectors[token * Dim + d] / tokens.Count;
        return h;
    }

    private static void ScoreAll(float[] h, ItemTable items, double tau, Span<float> scores)
    {
        var hn = Math.Sqrt(h.Sum(x => (double)x * x)) + 1e-9;
        for (var i = 1; i <= items.Count; i++)
        {
            var row = items.Row(i - 1);
            double dot = 0, rn = 0;
            for (var d = 0; d < h.Length; d++)
            {
                dot += h[d] * row[d];
                rn += row[d] * row[d];
            }
            scores[i - 1] = (float)(dot / (hn * (Math.Sqrt(rn) + 1e-9)) / tau);
        }
    }

    private static double[] Softmax(float[] logits, double temperature)
    {
        var max = logits.Max();
        var e = logits.Select(l => Math.Exp((l - max) / temperature)).ToArray();
        var sum = e.Sum();
        return e.Select(x => x / sum).ToArray();
    }

    private static byte[] Pack(params float[][] arrays)
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write(arrays.Length);
        foreach (var a in arrays)
        {
            w.Write(a.Length);
            foreach (var x in a) w.Write(x);
        }
        w.Flush();
        return ms.ToArray();
    }

    private static float[][] Unpack(ReadOnlySpan<byte> blob)
    {
        using var r = new BinaryReader(new MemoryStream(blob.ToArray()));
        var arrays = new float[r.ReadInt32()][];
        for (var i = 0; i < arrays.Length; i++)
        {
            arrays[i] = new float[r.ReadInt32()];
            for (var j = 0; j < arrays[i].Length; j++) arrays[i][j] = r.ReadSingle();
        }
        return arrays;
    }
}

/// <summary>Creates <see cref="ToyPolicy"/> instances; the "tokenizer" is the vocabulary size.</summary>
public sealed class ToyPolicyFactory : IPolicyFactory
{
    /// <inheritdoc />
    public string Description => SampleDelay > TimeSpan.Zero
        ? $"toy policy (not a language model), {SampleDelay.TotalMilliseconds:F0} ms per group"
        : "toy policy (not a language model)";

    /// <summary>The <see cref="ToyPolicy.SampleDelay"/> of every policy created (<c>Engine:ToySampleMilliseconds</c>).</summary>
    public TimeSpan SampleDelay { get; init; }

    /// <inheritdoc />
    public byte[] BuildTokenizer(TrainingData data, int vocabulary) => BitConverter.GetBytes(ToyPolicy.Vocabulary);

    /// <summary>When set, the first policy created (the learner's: every other actor builds its replica lazily) fails at this warm-up step.</summary>
    public int? FailFirstAtWarmUpStep { get; init; }

    private int _created;

    /// <inheritdoc />
    public IPolicyCompute Create(ReadOnlySpan<byte> tokenizer, TrainingData data, ulong seed) =>
        new ToyPolicy(data.ItemCount, seed) { SampleDelay = SampleDelay, FailAtWarmUpStep = Interlocked.Increment(ref _created) == 1 ? FailFirstAtWarmUpStep : null };
}
