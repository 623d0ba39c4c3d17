using System.Numerics.Tensors;
using R2ec.Tensors.Autograd;

namespace R2ec.Tensors.Ops;

/// <summary>
/// Log-probability of target classes under row-wise softmax, fused so that the log-softmax of the whole
/// logit matrix is never stored, and the cross-entropy loss built on it.
/// </summary>
public static class CrossEntropy
{
    /// <summary>The PyTorch convention for a target that does not count.</summary>
    public const int DefaultIgnoreIndex = -100;

    /// <summary>
    /// <c>log softmax(logits[r])[targets[r]]</c> per row, shape [rows]; rows whose target is <paramref name="ignoreIndex"/>
    /// give 0 and receive no gradient.
    /// </summary>
    public static Variable TokenLogProbs(Tape tape, Variable logits, ReadOnlySpan<int> targets, int ignoreIndex = DefaultIgnoreIndex)
    {
        var rows = logits.Value.RowCount;
        var cols = logits.Value.Cols;
        if (targets.Length != rows)
            throw new ArgumentException($"{targets.Length} targets for {rows} rows of logits", nameof(targets));
        for (var r = 0; r < rows; r++)
        {
            if (targets[r] != ignoreIndex && (uint)targets[r] >= (uint)cols)
                throw new ArgumentOutOfRangeException(nameof(targets), $"target {targets[r]} at row {r} is outside [0, {cols})");
        }
        var saved = targets.ToArray();
        var logp = tape.Allocate(false, rows);
        var lse = tape.Allocate(false, 2, rows);
        Forward(logits.Value.Span, rows, cols, saved, ignoreIndex, logp.Span, lse.Span);
        return tape.Op(logp, g =>
        {
            Backward(logits.Value.Span, rows, cols, saved, ignoreIndex, lse.Span, g.Span, tape.GradOf(logits).Span);
        }, logits);
    }

    /// <summary>Mean of <c>−log p(target)</c> over rows whose target is not <paramref name="ignoreIndex"/>.</summary>
    public static Variable Loss(Tape tape, Variable logits, ReadOnlySpan<int> targets, int ignoreIndex = DefaultIgnoreIndex)
    {
        var counted = 0;
        foreach (var t in targets)
            counted += t == ignoreIndex ? 0 : 1;
        if (counted == 0)
            throw new ArgumentException("every target is the ignore index; the mean loss is undefined", nameof(targets));
        var weights = new float[targets.Length];
        for (var r = 0; r < weights.Length; r++)
            weights[r] = targets[r] == ignoreIndex ? 0f : -1f / counted;
        return Reduce.WeightedSum(tape, TokenLogProbs(tape, logits, targets, ignoreIndex), weights);
    }

    private static unsafe void Forward(ReadOnlySpan<float> logits, int rows, int cols, int[] targets, int ignore, Span<float> logp, Span<float> lse)
    {
        fixed (float* pl = logits, plp = logp, plse = lse)
        {
            var (lp, lpp, lsep) = ((nint)pl, (nint)plp, (nint)plse);
            Engine.For(rows, 2, (r0, r1) =>
            {
                var scratch = TensorPool.Rent(cols, out var off);
                for (var r = r0; r < r1; r++)
                {
                    var row = new ReadOnlySpan<float>((float*)lp + (long)r * cols, cols);
                    var (max, logSum) = Softmax.LogSumExpParts(row, scratch.AsSpan(off, cols));
                    ((float*)lsep)[r] = max;
                    ((float*)lsep)[rows + r] = logSum;
                    ((float*)lpp)[r] = targets[r] == ignore ? 0f : row[targets[r]] - max - logSum;
                }
                TensorPool.Return(scratch);
            });
        }
    }

    // dlogits[r] += g[r]·(onehot(target) − softmax(logits[r])); lse holds max per row, then log Σ exp(x − max) per row.
    private static unsafe void Backward(ReadOnlySpan<float> logits, int rows, int cols, int[] targets, int ignore, ReadOnlySpan<float> lse, ReadOnlySpan<float> g, Span<float> dlogits)
    {
        fixed (float* pl = logits, plse = lse, pg = g, pd = dlogits)
        {
            var (lp, lsep, gp, dp) = ((nint)pl, (nint)plse, (nint)pg, (nint)pd);
            Engine.For(rows, 2, (r0, r1) =>
            {
                var scratch = TensorPool.Rent(cols, out var off);
                var p = scratch.AsSpan(off, cols);
                for (var r = r0; r < r1; r++)
                {
                    if (targets[r] == ignore)
                        continue;
                    var gr = ((float*)gp)[r];
                    var row = new ReadOnlySpan<float>((float*)lp + (long)r * cols, cols);
                    var d = new Span<float>((float*)dp + (long)r * cols, cols);
                    TensorPrimitives.Subtract(row, ((float*)lsep)[r], p);
                    TensorPrimitives.Subtract(p, ((float*)lsep)[rows + r], p);
                    TensorPrimitives.Exp(p, p);
                    TensorPrimitives.MultiplyAdd(p, -gr, d, d);
                    d[targets[r]] += gr;
                }
                TensorPool.Return(scratch);
            });
        }
    }
}
