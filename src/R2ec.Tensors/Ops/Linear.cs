using R2ec.Tensors.Autograd;

namespace R2ec.Tensors.Ops;

/// <summary>Affine map <c>y = x·Wᵀ + b</c> with W stored [out, in] (the PyTorch and Hugging Face layout).</summary>
public static class Linear
{
    /// <summary>Forward <c>y = scale·x·Wᵀ + b</c> for rows of <paramref name="x"/> [rows, in]; returns [rows, out].</summary>
    public static Variable Apply(Tape tape, Variable x, Variable weight, Variable? bias = null, float scale = 1f)
    {
        var inDim = weight.Value.Dim(1);
        var outDim = weight.Value.Dim(0);
        if (x.Value.Cols != inDim)
            throw new ArgumentException($"input has {x.Value.Cols} features, weight '{weight.Name}' expects {inDim}", nameof(x));
        if (bias is not null && bias.Value.Length != outDim)
            throw new ArgumentException($"bias '{bias.Name}' has {bias.Value.Length} elements, weight has {outDim} outputs", nameof(bias));
        var rows = x.Value.RowCount;
        var shape = x.Value.Shape.ToArray();
        shape[^1] = outDim;
        var y = tape.Allocate(false, shape);
        Forward(x.Value.Span, rows, weight.Value.Span, bias is null ? default : bias.Value.Span, inDim, outDim, y.Span, scale);
        return tape.Op(y, dy =>
        {
            if (x.RequiresGrad)
                Gemm.Multiply(false, false, rows, inDim, outDim, scale, dy.Span, outDim, weight.Value.Span, inDim, 1f, tape.GradOf(x).Span, inDim);
            if (weight.RequiresGrad)
                Gemm.Multiply(true, false, outDim, inDim, rows, scale, dy.Span, outDim, x.Value.Span, inDim, 1f, tape.GradOf(weight).Span, inDim);
            if (bias is { RequiresGrad: true })
                ColumnSums(dy.Span, rows, outDim, tape.GradOf(bias).Span);
        }, x, weight, bias);
    }

    /// <summary>Inference kernel: <c>y = scale·x·Wᵀ + b</c> for <paramref name="rows"/> rows (bias may be empty).</summary>
    public static void Forward(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inDim, int outDim, Span<float> y, float scale = 1f)
    {
        if (bias.IsEmpty)
        {
            Gemm.Multiply(false, true, rows, outDim, inDim, scale, x, inDim, weight, inDim, 0f, y, outDim);
            return;
        }
        for (var r = 0; r < rows; r++)
            bias.CopyTo(y.Slice(r * outDim, outDim));
        Gemm.Multiply(false, true, rows, outDim, inDim, scale, x, inDim, weight, inDim, 1f, y, outDim);
    }

    /// <summary>
    /// <c>sums[j] += Σ_r m[r, j]</c>, rows in order; columns are split over threads so the result is thread-count independent.
    /// </summary>
    internal static unsafe void ColumnSums(ReadOnlySpan<float> m, int rows, int cols, Span<float> sums)
    {
        fixed (float* pm = m, ps = sums)
        {
            var mp = (nint)pm;
            var sp = (nint)ps;
            Engine.For((cols + 15) / 16, 4, (c0, c1) =>
            {
                var start = c0 * 16;
                var width = Math.Min(cols, c1 * 16) - start;
                var s = new Span<float>((float*)sp + start, width);
                for (var r = 0; r < rows; r++)
                    System.Numerics.Tensors.TensorPrimitives.Add(s, new ReadOnlySpan<float>((float*)mp + (long)r * cols + start, width), s);
            });
        }
    }
}
