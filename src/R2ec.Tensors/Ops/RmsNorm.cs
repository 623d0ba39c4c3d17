using System.Numerics.Tensors;
using R2ec.Tensors.Autograd;

namespace R2ec.Tensors.Ops;

/// <summary>Root-mean-square normalisation <c>y = x / sqrt(mean(x²) + eps) · w</c> over the last dimension.</summary>
public static class RmsNorm
{
    /// <summary>Normalises every row of <paramref name="x"/> and scales by <paramref name="weight"/>.</summary>
    public static Variable Apply(Tape tape, Variable x, Variable weight, float eps)
    {
        var dim = x.Value.Cols;
        if (weight.Value.Length != dim)
            throw new ArgumentException($"weight '{weight.Name}' has {weight.Value.Length} elements, input rows have {dim}", nameof(weight));
        var rows = x.Value.RowCount;
        var y = tape.Allocate(false, x.Value.Shape.ToArray());
        var inv = tape.Allocate(false, rows);
        Forward(x.Value.Span, weight.Value.Span, rows, dim, eps, y.Span, inv.Span);
        return tape.Op(y, dy =>
        {
            if (x.RequiresGrad)
                BackwardInput(x.Value.Span, weight.Value.Span, inv.Span, dy.Span, rows, dim, tape.GradOf(x).Span);
            if (weight.RequiresGrad)
                BackwardWeight(x.Value.Span, inv.Span, dy.Span, rows, dim, tape.GradOf(weight).Span);
        }, x, weight);
    }

    /// <summary>Forward kernel; <paramref name="inverseRms"/> receives 1/rms per row (may be empty in inference).</summary>
    public static unsafe void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, int rows, int dim, float eps, Span<float> y, Span<float> inverseRms)
    {
        var keep = !inverseRms.IsEmpty;
        fixed (float* px = x, pw = weight, py = y, pi = inverseRms)
        {
            var (xp, wp, yp, ip) = ((nint)px, (nint)pw, (nint)py, (nint)pi);
            Engine.For(rows, 8, (r0, r1) =>
            {
                var w = new ReadOnlySpan<float>((float*)wp, dim);
                for (var r = r0; r < r1; r++)
                {
                    var xr = new ReadOnlySpan<float>((float*)xp + (long)r * dim, dim);
                    var yr = new Span<float>((float*)yp + (long)r * dim, dim);
                    var s = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(xr) / dim + eps);
                    if (keep)
                        ((float*)ip)[r] = s;
                    TensorPrimitives.Multiply(xr, s, yr);
                    TensorPrimitives.Multiply(yr, w, yr);
                }
            });
        }
    }

    private static unsafe void BackwardInput(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> inv, ReadOnlySpan<float> dy, int rows, int dim, Span<float> dx)
    {
        fixed (float* px = x, pw = weight, pi = inv, pdy = dy, pdx = dx)
        {
            var (xp, wp, ip, dyp, dxp) = ((nint)px, (nint)pw, (nint)pi, (nint)pdy, (nint)pdx);
            Engine.For(rows, 8, (r0, r1) =>
            {
                var w = new ReadOnlySpan<float>((float*)wp, dim);
                var gw = dim <= 4096 ? stackalloc float[dim] : new float[dim];
                for (var r = r0; r < r1; r++)
                {
                    var xr = new ReadOnlySpan<float>((float*)xp + (long)r * dim, dim);
                    var gr = new ReadOnlySpan<float>((float*)dyp + (long)r * dim, dim);
                    var dxr = new Span<float>((float*)dxp + (long)r * dim, dim);
                    var s = ((float*)ip)[r];
                    TensorPrimitives.Multiply(gr, w, gw);
                    var dot = TensorPrimitives.Dot(gw, xr);
                    // dx = s·(g∘w) − x·s³·(Σ g∘w∘x)/dim
                    TensorPrimitives.MultiplyAdd(gw, s, dxr, dxr);
                    TensorPrimitives.MultiplyAdd(xr, -s * s * s * dot / dim, dxr, dxr);
                }
            });
        }
    }

    private static unsafe void BackwardWeight(ReadOnlySpan<float> x, ReadOnlySpan<float> inv, ReadOnlySpan<float> dy, int rows, int dim, Span<float> dw)
    {
        fixed (float* px = x, pi = inv, pdy = dy, pdw = dw)
        {
            var (xp, ip, dyp, dwp) = ((nint)px, (nint)pi, (nint)pdy, (nint)pdw);
            Engine.For((dim + 15) / 16, 2, (c0, c1) =>
            {
                var start = c0 * 16;
                var width = Math.Min(dim, c1 * 16) - start;
                var acc = new Span<float>((float*)dwp + start, width);
                var tmp = width <= 4096 ? stackalloc float[width] : new float[width];
                for (var r = 0; r < rows; r++)
                {
                    var xr = new ReadOnlySpan<float>((float*)xp + (long)r * dim + start, width);
                    var gr = new ReadOnlySpan<float>((float*)dyp + (long)r * dim + start, width);
                    TensorPrimitives.Multiply(xr, gr, tmp);
                    TensorPrimitives.MultiplyAdd(tmp, ((float*)ip)[r], acc, acc);
                }
            });
        }
    }
}
