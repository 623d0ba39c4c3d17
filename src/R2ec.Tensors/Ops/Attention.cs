using System.Numerics.Tensors;
using R2ec.Tensors.Autograd;

namespace R2ec.Tensors.Ops;

/// <summary>
/// Causal multi-head attention with rotary embedding and grouped-query heads (<c>kvHeads</c> divides <c>heads</c>),
/// fused so that one head's T×T score matrix is the only temporary (the backward also holds its gradient),
/// plus an inference path that appends to a <see cref="KvCache"/>.
/// </summary>
/// <remarks>
/// Inputs are the projection outputs as they come from <see cref="Linear"/>: q [batch·seq, heads·headDim],
/// k and v [batch·seq, kvHeads·headDim]; the output is [batch·seq, heads·headDim], ready for the output projection.
/// Probabilities are recomputed in the backward from the saved log-sum-exp of each row.
/// </remarks>
public static class Attention
{
    // Query rows per block of the causal products; fixed, so the summation order never depends on threads.
    private const int Block = 64;

    /// <summary>Training/prefill attention over whole sequences; rotary embedding is applied to q and k inside.</summary>
    public static Variable CausalSelfAttention(Tape tape, Variable q, Variable k, Variable v, int batch, int seq, int heads, int kvHeads, RopeTable rope)
    {
        var dh = rope.HeadDim;
        var qw = heads * dh;
        var kw = kvHeads * dh;
        if (heads % kvHeads != 0)
            throw new ArgumentException($"{heads} query heads cannot be grouped over {kvHeads} key/value heads", nameof(kvHeads));
        if (q.Value.Cols != qw || q.Value.RowCount != batch * seq)
            throw new ArgumentException($"q is [{q.Value.ShapeText()}], expected [{batch * seq}, {qw}]", nameof(q));
        if (k.Value.Cols != kw || v.Value.Cols != kw || k.Value.RowCount != batch * seq || v.Value.RowCount != batch * seq)
            throw new ArgumentException($"k [{k.Value.ShapeText()}] and v [{v.Value.ShapeText()}] must both be [{batch * seq}, {kw}]", nameof(k));
        if (seq > rope.MaxPositions)
            throw new ArgumentException($"sequence of {seq} is longer than the rotary table ({rope.MaxPositions})", nameof(seq));

        var qr = tape.Allocate(false, batch * seq, qw);
        var kr = tape.Allocate(false, batch * seq, kw);
        q.Value.Span.CopyTo(qr.Span);
        k.Value.Span.CopyTo(kr.Span);
        rope.RotateRows(qr.Span, qw, seq, 0, inverse: false);
        rope.RotateRows(kr.Span, kw, seq, 0, inverse: false);
        var o = tape.Allocate(false, batch * seq, qw);
        var lse = tape.Allocate(false, batch * heads * seq);
        var shape = new Shape(batch, seq, heads, kvHeads, dh);
        Forward(shape, qr.Span, kr.Span, v.Value.Span, o.Span, lse.Span);

        return tape.Op(o, dout =>
        {
            var dqr = tape.Allocate(false, batch * seq, qw);
            var dkr = tape.Allocate(true, batch * seq, kw);
            var dv = v.RequiresGrad ? tape.GradOf(v).Span : tape.Allocate(true, batch * seq, kw).Span;
            Backward(shape, qr.Span, kr.Span, v.Value.Span, lse.Span, dout.Span, dqr.Span, dkr.Span, dv);
            rope.RotateRows(dqr.Span, qw, seq, 0, inverse: true);
            rope.RotateRows(dkr.Span, kw, seq, 0, inverse: true);
            if (q.RequiresGrad)
            {
                var dq = tape.GradOf(q).Span;
                TensorPrimitives.Add(dq, dqr.Span, dq);
            }
            if (k.RequiresGrad)
            {
                var dk = tape.GradOf(k).Span;
                TensorPrimitives.Add(dk, dkr.Span, dk);
            }
        }, q, k, v);
    }

    /// <summary>
    /// Inference attention for <paramref name="newTokens"/> positions per sequence starting at <paramref name="start"/>:
    /// rotates q and k, appends k and v to layer <paramref name="layer"/> of the cache, and attends causally over
    /// positions <c>[0, start + newTokens)</c>. Rows of q/k/v/output are [batch·newTokens, …], sequence-major.
    /// </summary>
    public static unsafe void Infer(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, int batch, int newTokens, int heads,
        RopeTable rope, KvCache cache, int layer, int start, Span<float> output)
    {
        var dh = rope.HeadDim;
        var kvHeads = cache.KvHeads;
        var qw = heads * dh;
        var kw = kvHeads * dh;
        var total = start + newTokens;
        if (total > cache.Capacity)
            throw new ArgumentOutOfRangeException(nameof(start), $"positions up to {total} exceed the cache capacity {cache.Capacity}");
        if (batch > cache.Batch || heads % kvHeads != 0 || dh != cache.HeadDim)
            throw new ArgumentException($"batch {batch}, heads {heads}, head size {dh} do not fit the cache (batch {cache.Batch}, kv heads {kvHeads}, head size {cache.HeadDim})");
        if (q.Length != batch * newTokens * qw || k.Length != batch * newTokens * kw || v.Length != k.Length || output.Length != q.Length)
            throw new ArgumentException("q, k, v or output do not match batch × new tokens × heads × head size");

        var keys = cache.Keys(layer);
        var values = cache.Values(layer);
        for (var b = 0; b < batch; b++)
        for (var t = 0; t < newTokens; t++)
        {
            var row = (b * newTokens + t) * kw;
            for (var g = 0; g < kvHeads; g++)
            {
                var dst = cache.HeadOffset(b, g) + (start + t) * dh;
                k.Slice(row + g * dh, dh).CopyTo(keys.Slice(dst, dh));
                v.Slice(row + g * dh, dh).CopyTo(values.Slice(dst, dh));
                rope.Rotate(keys.Slice(dst, dh), start + t, inverse: false);
            }
        }
        var qrBuf = TensorPool.Rent(q.Length, out var qrOff);
        var qr = qrBuf.AsSpan(qrOff, q.Length);
        q.CopyTo(qr);
        rope.RotateRows(qr, qw, newTokens, start, inverse: false);
        var scale = 1f / MathF.Sqrt(dh);
        var group = heads / kvHeads;
        fixed (float* pq = qr, pk = keys, pv = values, po = output)
        {
            var (qp, kp, vp, op) = ((nint)pq, (nint)pk, (nint)pv, (nint)po);
            Engine.ForEachTask(batch * heads, task =>
            {
                var b = task / heads;
                var h = task % heads;
                var kvOff = cache.HeadOffset(b, h / group);
                var scores = TensorPool.Rent(newTokens * total, out var sOff);
                fixed (float* s = &scores[sOff])
                {
                    var qh = (float*)qp + (long)b * newTokens * qw + h * dh;
                    Gemm.Run(false, true, newTokens, total, dh, scale, qh, qw, (float*)kp + kvOff, dh, 0f, s, total, parallel: false);
                    for (var i = 0; i < newTokens; i++)
                    {
                        var visible = start + i + 1;
                        var row = new Span<float>(s + (long)i * total, total);
                        Softmax.Row(row[..visible], row[..visible]);
                        row[visible..].Clear();
                    }
                    Gemm.Run(false, false, newTokens, dh, total, 1f, s, total, (float*)vp + kvOff, dh, 0f,
                        (float*)op + (long)b * newTokens * qw + h * dh, qw, parallel: false);
                }
                TensorPool.Return(scores);
            });
        }
        TensorPool.Return(qrBuf);
    }

    private readonly record struct Shape(int Batch, int Seq, int Heads, int KvHeads, int HeadDim)
    {
        public int QWidth => Heads * HeadDim;
        public int KWidth => KvHeads * HeadDim;
        public int Group => Heads / KvHeads;
        public float Scale => 1f / MathF.Sqrt(HeadDim);
    }

    private static unsafe void Forward(Shape sh, ReadOnlySpan<float> qr, ReadOnlySpan<float> kr, ReadOnlySpan<float> v, Span<float> o, Span<float> lse)
    {
        var t = sh.Seq;
        fixed (float* pq = qr, pk = kr, pv = v, po = o, pl = lse)
        {
            var (qp, kp, vp, op, lp) = ((nint)pq, (nint)pk, (nint)pv, (nint)po, (nint)pl);
            Engine.ForEachTask(sh.Batch * sh.Heads, task =>
            {
                var b = task / sh.Heads;
                var h = task % sh.Heads;
                var g = h / sh.Group;
                var buf = TensorPool.Rent(t * t, out var off);
                fixed (float* s = &buf[off])
                {
                    var qh = (float*)qp + (long)b * t * sh.QWidth + h * sh.HeadDim;
                    var kh = (float*)kp + (long)b * t * sh.KWidth + g * sh.HeadDim;
                    var vh = (float*)vp + (long)b * t * sh.KWidth + g * sh.HeadDim;
                    // Row blocks see only the keys up to their last row: the causal upper triangle is never computed.
                    for (var i0 = 0; i0 < t; i0 += Block)
                    {
                        var rows = Math.Min(Block, t - i0);
                        Gemm.Run(false, true, rows, i0 + rows, sh.HeadDim, sh.Scale, qh + (long)i0 * sh.QWidth, sh.QWidth, kh, sh.KWidth, 0f, s + (long)i0 * t, t, parallel: false);
                    }
                    var lseRow = (float*)lp + (long)(b * sh.Heads + h) * t;
                    for (var i = 0; i < t; i++)
                    {
                        var row = new Span<float>(s + (long)i * t, t);
                        var visible = row[..(i + 1)];
                        var max = TensorPrimitives.Max(visible);
                        TensorPrimitives.Subtract(visible, max, visible);
                        TensorPrimitives.Exp(visible, visible);
                        var sum = TensorPrimitives.Sum(visible);
                        TensorPrimitives.Divide(visible, sum, visible);
                        lseRow[i] = max + MathF.Log(sum);
                        row[(i + 1)..].Clear();
                    }
                    var oh = (float*)op + (long)b * t * sh.QWidth + h * sh.HeadDim;
                    for (var i0 = 0; i0 < t; i0 += Block)
                    {
                        var rows = Math.Min(Block, t - i0);
                        Gemm.Run(false, false, rows, sh.HeadDim, i0 + rows, 1f, s + (long)i0 * t, t, vh, sh.KWidth, 0f, oh + (long)i0 * sh.QWidth, sh.QWidth, parallel: false);
                    }
                }
                TensorPool.Return(buf);
            });
        }
    }

    // One task per (sequence, kv head): the query heads of its group run in order, so dK and dV of the
    // shared head accumulate in a fixed order for any thread count.
    private static unsafe void Backward(Shape sh, ReadOnlySpan<float> qr, ReadOnlySpan<float> kr, ReadOnlySpan<float> v, ReadOnlySpan<float> lse,
        ReadOnlySpan<float> dout, Span<float> dqr, Span<float> dkr, Span<float> dv)
    {
        var t = sh.Seq;
        fixed (float* pq = qr, pk = kr, pv = v, pl = lse, pdo = dout, pdq = dqr, pdk = dkr, pdv = dv)
        {
            var (qp, kp, vp, lp, dop, dqp, dkp, dvp) = ((nint)pq, (nint)pk, (nint)pv, (nint)pl, (nint)pdo, (nint)pdq, (nint)pdk, (nint)pdv);
            Engine.ForEachTask(sh.Batch * sh.KvHeads, task =>
            {
                var b = task / sh.KvHeads;
                var g = task % sh.KvHeads;
                var pBuf = TensorPool.Rent(t * t, out var pOff);
                var dBuf = TensorPool.Rent(t * t, out var dOff);
                fixed (float* p = &pBuf[pOff], dp = &dBuf[dOff])
                {
                    var kOff = (long)b * t * sh.KWidth + g * sh.HeadDim;
                    for (var h = g * sh.Group; h < (g + 1) * sh.Group; h++)
                    {
                        var qOff = (long)b * t * sh.QWidth + h * sh.HeadDim;
                        for (var i0 = 0; i0 < t; i0 += Block)
                        {
                            var rows = Math.Min(Block, t - i0);
                            Gemm.Run(false, true, rows, i0 + rows, sh.HeadDim, sh.Scale, (float*)qp + qOff + (long)i0 * sh.QWidth, sh.QWidth, (float*)kp + kOff, sh.KWidth, 0f, p + (long)i0 * t, t, parallel: false);
                        }
                        var lseRow = (float*)lp + (long)(b * sh.Heads + h) * t;
                        for (var i = 0; i < t; i++)
                        {
                            var row = new Span<float>(p + (long)i * t, t);
                            var visible = row[..(i + 1)];
                            TensorPrimitives.Subtract(visible, lseRow[i], visible);
                            TensorPrimitives.Exp(visible, visible);
                            row[(i + 1)..].Clear();
                        }
                        // dP = dO·Vᵀ ; dV += Pᵀ·dO, by row blocks over the keys each block sees
                        for (var i0 = 0; i0 < t; i0 += Block)
                        {
                            var rows = Math.Min(Block, t - i0);
                            var doBlock = (float*)dop + qOff + (long)i0 * sh.QWidth;
                            Gemm.Run(false, true, rows, i0 + rows, sh.HeadDim, 1f, doBlock, sh.QWidth, (float*)vp + kOff, sh.KWidth, 0f, dp + (long)i0 * t, t, parallel: false);
                            Gemm.Run(true, false, i0 + rows, sh.HeadDim, rows, 1f, p + (long)i0 * t, t, doBlock, sh.QWidth, 1f, (float*)dvp + kOff, sh.KWidth, parallel: false);
                        }
                        // dS = P∘(dP − Σ_j P∘dP)·scale
                        for (var i = 0; i < t; i++)
                        {
                            var pr = new ReadOnlySpan<float>(p + (long)i * t, i + 1);
                            var dr = new Span<float>(dp + (long)i * t, t);
                            var visible = dr[..(i + 1)];
                            var dot = TensorPrimitives.Dot(pr, visible);
                            TensorPrimitives.Subtract(visible, dot, visible);
                            TensorPrimitives.Multiply(visible, pr, visible);
                            TensorPrimitives.Multiply(visible, sh.Scale, visible);
                            dr[(i + 1)..].Clear();
                        }
                        // dQ = dS·K ; dK += dSᵀ·Q, by the same row blocks
                        for (var i0 = 0; i0 < t; i0 += Block)
                        {
                            var rows = Math.Min(Block, t - i0);
                            var dsBlock = dp + (long)i0 * t;
                            Gemm.Run(false, false, rows, sh.HeadDim, i0 + rows, 1f, dsBlock, t, (float*)kp + kOff, sh.KWidth, 0f, (float*)dqp + qOff + (long)i0 * sh.QWidth, sh.QWidth, parallel: false);
                            Gemm.Run(true, false, i0 + rows, sh.HeadDim, rows, 1f, dsBlock, t, (float*)qp + qOff + (long)i0 * sh.QWidth, sh.QWidth, 1f, (float*)dkp + kOff, sh.KWidth, parallel: false);
                        }
                    }
                }
                TensorPool.Return(pBuf);
                TensorPool.Return(dBuf);
            });
        }
    }
}
