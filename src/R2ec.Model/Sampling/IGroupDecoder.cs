using R2ec.Model.Inference;
using R2ec.Model.Policy;

namespace R2ec.Model.Sampling;

/// <summary>
/// The backend side of group sampling: a KV cache of one slot per sample and the forward steps over it. The
/// <see cref="Generator"/> drives it with the sampling rules (keys, temperature, top-k/top-p, stop, <c>&lt;answer&gt;</c>),
/// which are the same for every backend.
/// </summary>
public interface IGroupDecoder : IDisposable
{
    /// <summary>
    /// Prefills each group's prompt once and gives its cached prefix to every sample of that group (samples are numbered
    /// group after group, <c>groupSizes[g]</c> each); writes the logits after each prompt into <paramref name="logits"/> [groups, vocab].
    /// </summary>
    void Prefill(IReadOnlyList<int[]> prompts, IReadOnlyList<int> groupSizes, Span<float> logits);

    /// <summary>
    /// Appends <c>counts[i]</c> tokens to sample <c>slots[i]</c> (ids packed slot after slot); writes the post-final-norm
    /// hidden state of each slot's last new token into <paramref name="lastHidden"/> [slots, d] and, for the entries named
    /// by <paramref name="logitRows"/>, its LM logits into <paramref name="logits"/> [logitRows, vocab].
    /// </summary>
    void Step(ReadOnlySpan<int> slots, ReadOnlySpan<int> counts, ReadOnlySpan<int> ids, Span<float> lastHidden, ReadOnlySpan<int> logitRows, Span<float> logits);
}

/// <summary>The managed engine's decoder: one packed prefill pass over all prompts, then ragged steps over a slotted cache.</summary>
public sealed class ManagedGroupDecoder : IGroupDecoder
{
    private readonly R2ecPolicy _policy;
    private readonly SequenceCache _cache;

    /// <summary>A decoder for <paramref name="samples"/> samples of at most <paramref name="capacity"/> positions each.</summary>
    public ManagedGroupDecoder(R2ecPolicy policy, int samples, int capacity)
    {
        _policy = policy;
        _cache = PolicyInference.CreateCache(policy, Math.Max(1, samples), capacity);
    }

    /// <inheritdoc />
    public void Prefill(IReadOnlyList<int[]> prompts, IReadOnlyList<int> groupSizes, Span<float> logits)
    {
        var firstSlot = new int[prompts.Count];
        for (var g = 1; g < prompts.Count; g++)
            firstSlot[g] = firstSlot[g - 1] + groupSizes[g - 1];
        PolicyInference.Step(_policy, _cache, firstSlot, prompts.Select(p => p.Length).ToArray(), prompts.SelectMany(p => p).ToArray(),
            new float[prompts.Count * _policy.Config.HiddenSize], Enumerable.Range(0, prompts.Count).ToArray(), logits);
        for (var g = 0; g < prompts.Count; g++)
        {
            for (var j = 1; j < groupSizes[g]; j++)
                _cache.CopyPrefix(firstSlot[g], firstSlot[g] + j, prompts[g].Length);
        }
    }

    /// <inheritdoc />
    public void Step(ReadOnlySpan<int> slots, ReadOnlySpan<int> counts, ReadOnlySpan<int> ids, Span<float> lastHidden, ReadOnlySpan<int> logitRows, Span<float> logits) =>
        PolicyInference.Step(_policy, _cache, slots, counts, ids, lastHidden, logitRows, logits);

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
