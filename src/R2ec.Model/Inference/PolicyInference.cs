using System.Numerics.Tensors;
using R2ec.Model.Policy;
using R2ec.Tensors;
using R2ec.Tensors.Autograd;
using R2ec.Tensors.Ops;

namespace R2ec.Model.Inference;

/// <summary>
/// KV-cached inference over ragged batches: every call appends a different number of tokens to each of a set of cache
/// slots (a whole prompt for a prefill, one token for a decode step), packed row after row with no padding, so a
/// finished or short sequence costs nothing.
/// </summary>
public static class PolicyInference
{
    /// <summary>A cache shaped for <paramref name="policy"/> with <paramref name="slots"/> slots of <paramref name="capacity"/> positions.</summary>
    public static SequenceCache CreateCache(R2ecPolicy policy, int slots, int capacity)
    {
        var c = policy.Config;
        if (capacity > c.MaxPositionEmbeddings)
            throw new ArgumentOutOfRangeException(nameof(capacity), $"capacity {capacity} exceeds max_position_embeddings {c.MaxPositionEmbeddings}");
        return new SequenceCache(c.NumHiddenLayers, slots, c.NumKeyValueHeads, c.HeadDim, capacity);
    }

    /// <summary>
    /// Appends <c>counts[i]</c> tokens to slot <c>slots[i]</c> for every i (ids packed in that order, Σ counts in all),
    /// at positions <c>cache.Length(slot)…</c>, and advances those slots.
    /// </summary>
    /// <param name="policy">The model.</param>
    /// <param name="cache">The cache, shaped for the model.</param>
    /// <param name="slots">Distinct slots to extend.</param>
    /// <param name="counts">New tokens per slot (at least 1 each).</param>
    /// <param name="ids">The new tokens, slot after slot.</param>
    /// <param name="lastHidden">Receives the post-final-norm hidden state of each slot's last new token: [slots.Length, d].</param>
    /// <param name="logitRows">Which entries of <paramref name="slots"/> need LM logits (indices into it, may be empty).</param>
    /// <param name="logits">Receives the logits of those entries' last new token: [logitRows.Length, vocab].</param>
    public static void Step(R2ecPolicy policy, SequenceCache cache, ReadOnlySpan<int> slots, ReadOnlySpan<int> counts, ReadOnlySpan<int> ids,
        Span<float> lastHidden, ReadOnlySpan<int> logitRows, Span<float> logits)
    {
        var c = policy.Config;
        int d = c.HiddenSize, kw = c.NumKeyValueHeads * c.HeadDim, f = c.IntermediateSize, n = slots.Length;
        if (counts.Length != n)
            throw new ArgumentException($"{counts.Length} counts for {n} slots", nameof(counts));
        if (cache.Layers != c.NumHiddenLayers || cache.KvHeads != c.NumKeyValueHeads || cache.HeadDim != c.HeadDim)
            throw new ArgumentException("the cache was shaped for another model", nameof(cache));
        var starts = new int[n];
        var rowOffsets = new int[n + 1];
        var seen = new HashSet<int>();
        for (var i = 0; i < n; i++)
        {
            if ((uint)slots[i] >= (uint)cache.Slots || !seen.Add(slots[i]))
                throw new ArgumentOutOfRangeException(nameof(slots), $"slot {slots[i]} at {i} is outside [0, {cache.Slots}) or repeated");
            if (counts[i] <= 0)
                throw new ArgumentOutOfRangeException(nameof(counts), $"slot {slots[i]} gets {counts[i]} tokens; at least 1 is needed");
            starts[i] = cache.Length(slots[i]);
            if (starts[i] + counts[i] > cache.Capacity)
                throw new ArgumentOutOfRangeException(nameof(counts), $"slot {slots[i]} would hold {starts[i] + counts[i]} positions, capacity is {cache.Capacity}");
            rowOffsets[i + 1] = rowOffsets[i] + counts[i];
        }
        var rows = rowOffsets[n];
        if (ids.Length != rows)
            throw new ArgumentException($"{ids.Length} ids for {rows} new tokens", nameof(ids));
        if (lastHidden.Length != n * d)
            throw new ArgumentException($"lastHidden holds {lastHidden.Length} floats, needs {n} × {d}", nameof(lastHidden));
        if (logits.Length != logitRows.Length * c.VocabSize)
            throw new ArgumentException($"logits holds {logits.Length} floats, needs {logitRows.Length} × {c.VocabSize}", nameof(logits));

        foreach (var r in logitRows)
        {
            if ((uint)r >= (uint)n)
                throw new ArgumentOutOfRangeException(nameof(logitRows), $"logit row {r} is outside the {n} slots of this step");
        }
        var eps = (float)c.RmsNormEps;
        using var scratch = new Tape(recording: false);
        var x = scratch.Allocate(false, rows, d).Span;
        var h = scratch.Allocate(false, rows, d).Span;
        var q = scratch.Allocate(false, rows, d).Span;
        var k = scratch.Allocate(false, rows, kw).Span;
        var v = scratch.Allocate(false, rows, kw).Span;
        var a = scratch.Allocate(false, rows, d).Span;
        var g = scratch.Allocate(false, rows, f).Span;
        var u = scratch.Allocate(false, rows, f).Span;
        var gated = scratch.Allocate(false, rows, f).Span;
        Embedding.Gather(policy.Embedding.Value.Span, c.VocabSize, d, ids, x);
        var ragged = new Ragged(slots.ToArray(), starts, rowOffsets);
        for (var l = 0; l < policy.Layers.Length; l++)
        {
            var w = policy.Layers[l];
            RmsNorm.Forward(x, w.AttnNorm.Span, rows, d, eps, h, default);
            RowStableLinear.Forward(h, rows, w.Wq.Span, w.Bq.Span, d, d, q);
            RowStableLinear.Forward(h, rows, w.Wk.Span, w.Bk.Span, d, kw, k);
            RowStableLinear.Forward(h, rows, w.Wv.Span, w.Bv.Span, d, kw, v);
            RaggedAttention.Run(policy.Rope, cache, l, c.NumAttentionHeads, ragged, q, k, v, a);
            RowStableLinear.Forward(a, rows, w.Wo.Span, default, d, d, h);
            TensorPrimitives.Add(x, h, x);
            RmsNorm.Forward(x, w.MlpNorm.Span, rows, d, eps, h, default);
            RowStableLinear.Forward(h, rows, w.Wg.Span, default, d, f, g);
            RowStableLinear.Forward(h, rows, w.Wu.Span, default, d, f, u);
            Activations.SwiGluForward(g, u, gated);
            RowStableLinear.Forward(gated, rows, w.Wd.Span, default, f, d, h);
            TensorPrimitives.Add(x, h, x);
        }
        for (var i = 0; i < n; i++)
            cache.Advance(slots[i], counts[i]);

        // Only each slot's last new token is needed downstream: norm and project just those rows.
        var last = scratch.Allocate(false, n, d).Span;
        for (var i = 0; i < n; i++)
            x.Slice((rowOffsets[i + 1] - 1) * d, d).CopyTo(last.Slice(i * d, d));
        RmsNorm.Forward(last, policy.FinalNorm.Value.Span, n, d, eps, lastHidden, default);
        if (logitRows.IsEmpty)
            return;
        var picked = scratch.Allocate(false, logitRows.Length, d).Span;
        for (var j = 0; j < logitRows.Length; j++)
            lastHidden.Slice(logitRows[j] * d, d).CopyTo(picked.Slice(j * d, d));
        RowStableLinear.Forward(picked, logitRows.Length, policy.OutputProjection.Value.Span, default, d, c.VocabSize, logits);
    }
}
