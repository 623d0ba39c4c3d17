using R2ec.Model.Policy;

namespace R2ec.Model.Sampling;

/// <summary>One prompt and the size of the group of continuations to draw for it.</summary>
/// <param name="PromptIds">The prompt tokens (at least one).</param>
/// <param name="User">The user key of the group's random streams.</param>
/// <param name="GroupSize">Continuations to draw (G).</param>
public sealed record GroupRequest(int[] PromptIds, ulong User, int GroupSize);

/// <summary>
/// Batched sampling with a KV cache: each prompt is prefilled once and its cache prefix copied to the G slots of its
/// group (a group costs one prefill + G decodes); all unfinished continuations of all groups then decode together,
/// one packed row each, so a finished continuation costs nothing.
/// </summary>
/// <remarks>
/// Continuation j of the group of user u draws its t-th token from uniform t of the stream
/// (seed, step, u, j); since every row of the inference path is computed independently of the others, trajectories do
/// not depend on which groups share a batch or on the thread count. Not thread-safe: one generator per worker.
/// </remarks>
public sealed class Generator
{
    private readonly Qwen2Config _config;
    private readonly Func<int, int, IGroupDecoder> _decoders;

    /// <summary>A generator over <paramref name="policy"/> (its current weights are read at every call).</summary>
    public Generator(R2ecPolicy policy) : this(policy.Config, (samples, capacity) => new ManagedGroupDecoder(policy, samples, capacity))
    {
    }

    /// <summary>
    /// A generator over another backend: <paramref name="decoders"/> makes a decoder for (samples, capacity per sample)
    /// for each call; the sampling rules stay this class's.
    /// </summary>
    public Generator(Qwen2Config config, Func<int, int, IGroupDecoder> decoders)
    {
        _config = config;
        _decoders = decoders;
    }

    /// <summary>Draws <paramref name="groupSize"/> continuations of one prompt with streams (seed, step, user, 0…G−1).</summary>
    public Trajectory[] SampleGroup(int[] promptIds, int groupSize, SamplingOptions options, ulong seed, ulong step, ulong user) =>
        SampleGroups([new GroupRequest(promptIds, user, groupSize)], options, seed, step)[0];

    /// <summary>Greedy decoding of each prompt (evaluation): one trajectory per prompt, with the greedy flag forced on.</summary>
    public Trajectory[] Greedy(IReadOnlyList<int[]> promptIds, SamplingOptions options)
    {
        var requests = promptIds.Select((p, i) => new GroupRequest(p, (ulong)i, 1)).ToList();
        return SampleGroups(requests, options with { Greedy = true }, 0, 0).Select(g => g[0]).ToArray();
    }

    /// <summary>Draws every group of <paramref name="groups"/> in one batch; result [group][sample].</summary>
    public Trajectory[][] SampleGroups(IReadOnlyList<GroupRequest> groups, SamplingOptions options, ulong seed, ulong step)
    {
        var c = _config;
        options.Validate(c.VocabSize);
        if (options.MaxNewTokens == 0 && options.AnswerTokenId is null)
            throw new ArgumentException("MaxNewTokens is 0 and no AnswerTokenId is set: a completion would be empty");
        var sampler = new TokenSampler(options, c.VocabSize);
        var states = new List<State>();
        var firstSlot = new int[groups.Count];
        var maxPrompt = 0;
        for (var g = 0; g < groups.Count; g++)
        {
            var r = groups[g];
            if (r.PromptIds.Length == 0 || r.GroupSize <= 0)
                throw new ArgumentException($"group {g} (user {r.User}) needs a non-empty prompt and a positive group size");
            firstSlot[g] = states.Count;
            for (var j = 0; j < r.GroupSize; j++)
                states.Add(new State(g, new SampleKey(seed, step, r.User, (ulong)j)));
            maxPrompt = Math.Max(maxPrompt, r.PromptIds.Length);
        }
        var capacity = maxPrompt + options.MaxNewTokens + 1;
        if (capacity > c.MaxPositionEmbeddings)
            throw new ArgumentOutOfRangeException(nameof(options), $"capacity {capacity} exceeds max_position_embeddings {c.MaxPositionEmbeddings}");
        using var decoder = _decoders(states.Count, capacity);
        int d = c.HiddenSize, vocab = c.VocabSize;

        // Prefill: each prompt once, its cached prefix shared by every sample of its group.
        var prefillLogits = new float[groups.Count * vocab];
        decoder.Prefill(groups.Select(r => r.PromptIds).ToList(), groups.Select(r => r.GroupSize).ToList(), prefillLogits);
        for (var s = 0; s < states.Count; s++)
            states[s].Logits = prefillLogits.AsMemory(states[s].Group * vocab, vocab);

        var active = Enumerable.Range(0, states.Count).ToList();
        while (active.Count > 0)
        {
            var counts = new int[active.Count];
            var ids = new List<int>();
            var logitRows = new List<int>();
            for (var i = 0; i < active.Count; i++)
            {
                var st = states[active[i]];
                Advance(st, options, sampler);
                counts[i] = st.Pending.Count;
                ids.AddRange(st.Pending);
                st.Pending.Clear();
                if (!st.Finishing)
                    logitRows.Add(i);
            }
            var hidden = new float[active.Count * d];
            var logits = new float[logitRows.Count * vocab];
            decoder.Step(active.ToArray(), counts, ids.ToArray(), hidden, logitRows.ToArray(), logits);
            for (var j = 0; j < logitRows.Count; j++)
                states[active[logitRows[j]]].Logits = logits.AsMemory(j * vocab, vocab);
            for (var i = 0; i < active.Count; i++)
            {
                if (states[active[i]].Finishing)
                    states[active[i]].Embedding = hidden.AsSpan(i * d, d).ToArray();
            }
            active.RemoveAll(s => states[s].Finishing);
        }

        var result = new Trajectory[groups.Count][];
        for (var g = 0; g < groups.Count; g++)
        {
            result[g] = new Trajectory[groups[g].GroupSize];
            for (var j = 0; j < result[g].Length; j++)
            {
                var st = states[firstSlot[g] + j];
                result[g][j] = new Trajectory(st.Key, st.Completion.ToArray(), st.SamplingLogProbs.Count, st.SamplingLogProbs.ToArray(),
                    st.PolicyLogProbs.ToArray(), st.Embedding!, st.Stopped);
            }
        }
        return result;
    }

    // Samples the next token from the state's logits (unless out of budget) and queues what the cache must still see.
    private static void Advance(State st, SamplingOptions options, TokenSampler sampler)
    {
        if (st.SamplingLogProbs.Count < options.MaxNewTokens)
        {
            var t = st.SamplingLogProbs.Count;
            var (token, q, p) = sampler.Choose(st.Logits.Span, st.Stream.Uniform((ulong)t));
            st.Completion.Add(token);
            st.SamplingLogProbs.Add(q);
            st.PolicyLogProbs.Add(p);
            st.Pending.Add(token);
            st.Stopped = EndsWithStop(st.Completion, options.StopSequences);
        }
        if (!st.Stopped && st.SamplingLogProbs.Count < options.MaxNewTokens)
            return;
        st.Finishing = true;
        if (options.AnswerTokenId is { } answer && (st.Completion.Count == 0 || st.Completion[^1] != answer))
        {
            st.Completion.Add(answer);
            st.Pending.Add(answer);
        }
    }

    private static bool EndsWithStop(List<int> completion, IReadOnlyList<int[]> stops)
    {
        foreach (var stop in stops)
        {
            if (stop.Length <= completion.Count && System.Runtime.InteropServices.CollectionsMarshal.AsSpan(completion)[^stop.Length..].SequenceEqual(stop))
                return true;
        }
        return false;
    }

    private sealed class State(int group, SampleKey key)
    {
        public int Group { get; } = group;
        public SampleKey Key { get; } = key;
        public Tensors.KeyedRandom Stream { get; } = key.Stream();
        public ReadOnlyMemory<float> Logits { get; set; }
        public List<int> Completion { get; } = new();
        public List<float> SamplingLogProbs { get; } = new();
        public List<float> PolicyLogProbs { get; } = new();
        public List<int> Pending { get; } = new();
        public bool Stopped { get; set; }
        public bool Finishing { get; set; }
        public float[]? Embedding { get; set; }
    }
}
