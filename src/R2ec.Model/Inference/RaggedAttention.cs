using R2ec.Tensors;
using R2ec.Tensors.Ops;

namespace R2ec.Model.Inference;

/// <summary>Which rows of a packed ragged batch belong to which cache slot, and where each slot's new tokens start.</summary>
internal sealed record Ragged(int[] Slots, int[] Starts, int[] RowOffsets)
{
    public int Count => Slots.Length;
}

/// <summary>
/// Causal grouped-query attention for a packed ragged batch against a <see cref="SequenceCache"/>: rotates q and k
/// at each row's own position, appends k and v to the slot, and attends over the slot's whole history.
/// </summary>
internal static class RaggedAttention
{
    public static unsafe void Run(RopeTable rope, SequenceCache cache, int layer, int heads, Ragged batch,
        Span<float> q, Span<float> k, ReadOnlySpan<float> v, Span<float> output)
    {
        var dh = rope.HeadDim;
        var kvHeads = cache.KvHeads;
        var qw = heads * dh;
        var kw = kvHeads * dh;
        var keys = cache.Keys(layer);
        var values = cache.Values(layer);
        for (var i = 0; i < batch.Count; i++)
        {
            var slot = batch.Slots[i];
            for (var r = batch.RowOffsets[i]; r < batch.RowOffsets[i + 1]; r++)
            {
                var pos = batch.Starts[i] + r - batch.RowOffsets[i];
                rope.Rotate(q.Slice(r * qw, qw), pos, inverse: false);
                rope.Rotate(k.Slice(r * kw, kw), pos, inverse: false);
                for (var g = 0; g < kvHeads; g++)
                {
                    var dst = cache.HeadOffset(slot, g) + pos * dh;
                    k.Slice(r * kw + g * dh, dh).CopyTo(keys.AsSpan(dst, dh));
                    v.Slice(r * kw + g * dh, dh).CopyTo(values.AsSpan(dst, dh));
                }
            }
        }
        var scale = 1f / MathF.Sqrt(dh);
        var group = heads / kvHeads;
        fixed (float* pq = q, po = output)
        {
            var (qp, op) = ((nint)pq, (nint)po);
            Engine.ForEachTask(batch.Count * heads, task =>
            {
                var i = task / heads;
                var h = task % heads;
                var rows = batch.RowOffsets[i + 1] - batch.RowOffsets[i];
                var start = batch.Starts[i];
                var total = start + rows;
                var kvOff = cache.HeadOffset(batch.Slots[i], h / group);
                var qh = new ReadOnlySpan<float>((float*)qp + (long)batch.RowOffsets[i] * qw + h * dh, (rows - 1) * qw + dh);
                var oh = new Span<float>((float*)op + (long)batch.RowOffsets[i] * qw + h * dh, (rows - 1) * qw + dh);
                using var buffer = Tensor.Pooled(false, rows * total);
                var scores = buffer.Span;
                Gemm.Multiply(false, true, rows, total, dh, scale, qh, qw, cache.Keys(layer).AsSpan(kvOff, total * dh), dh, 0f, scores, total, parallel: false);
                for (var t = 0; t < rows; t++)
                {
                    var visible = start + t + 1;
                    var row = scores.Slice(t * total, total);
                    Softmax.Row(row[..visible], row[..visible]);
                    row[visible..].Clear();
                }
                Gemm.Multiply(false, false, rows, dh, total, 1f, scores, total, cache.Values(layer).AsSpan(kvOff, total * dh), dh, 0f, oh, qw, parallel: false);
            });
        }
    }
}
