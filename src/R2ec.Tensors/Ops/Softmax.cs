using System.Numerics.Tensors;
using R2ec.Tensors.Autograd;

namespace R2ec.Tensors.Ops;

/// <summary>Numerically stable softmax and log-softmax over the last dimension.</summary>
public static class Softmax
{
    /// <summary><c>softmax(x)</c> per row.</summary>
    public static Variable Apply(Tape tape, Variable x) => Op(tape, x, log: false);

    /// <summary><c>log_softmax(x)</c> per row.</summary>
    public static Variable Log(Tape tape, Variable x) => Op(tape, x, log: true);

    private static Variable Op(Tape tape, Variable x, bool log)
    {
        var cols = x.Value.Cols;
        var rows = x.Value.RowCount;
        var y = tape.Allocate(false, x.Value.Shape.ToArray());
        Rows(x.Value.Span, rows, cols, y.Span, log);
        return tape.Op(y, dy =>
        {
            Backward(y.Span, dy.Span, rows, cols, tape.GradOf(x).Span, log);
        }, x);
    }

    /// <summary>Row-wise softmax (or log-softmax) kernel.</summary>
    public static unsafe void Rows(ReadOnlySpan<float> x, int rows, int cols, Span<float> y, bool log)
    {
        fixed (float* px = x, py = y)
        {
            var (xp, yp) = ((nint)px, (nint)py);
            Engine.For(rows, 4, (r0, r1) =>
            {
                for (var r = r0; r < r1; r++)
                {
                    var xr = new ReadOnlySpan<float>((float*)xp + (long)r * cols, cols);
                    var yr = new Span<float>((float*)yp + (long)r * cols, cols);
                    if (log)
                    {
                        // (x − max) − log Σ: subtracting max first keeps the small differences exact.
                        var (max, logSum) = LogSumExpParts(xr, yr);
                        TensorPrimitives.Subtract(xr, max, yr);
                        TensorPrimitives.Subtract(yr, logSum, yr);
                    }
                    else
                    {
                        Row(xr, yr);
                    }
                }
            });
        }
    }

    /// <summary>Softmax of one row into <paramref name="y"/> (may alias <paramref name="x"/>).</summary>
    public static void Row(ReadOnlySpan<float> x, Span<float> y)
    {
        var max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        TensorPrimitives.Exp(y, y);
        TensorPrimitives.Divide(y, TensorPrimitives.Sum(y), y);
    }

    /// <summary>
    /// <c>log Σ exp(x)</c> as <c>max + logSum</c> with <c>logSum = log Σ exp(x − max)</c>, kept apart so callers can
    /// form <c>(x − max) − logSum</c> without cancellation; <paramref name="scratch"/> (length of x) is overwritten.
    /// </summary>
    public static (float Max, float LogSum) LogSumExpParts(ReadOnlySpan<float> x, Span<float> scratch)
    {
        var max = TensorPrimitives.Max(x);
        if (float.IsNegativeInfinity(max))
            return (max, 0f);
        TensorPrimitives.Subtract(x, max, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        return (max, MathF.Log(TensorPrimitives.Sum(scratch)));
    }

    private static unsafe void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, int rows, int cols, Span<float> dx, bool log)
    {
        fixed (float* py = y, pdy = dy, pdx = dx)
        {
            var (yp, dyp, dxp) = ((nint)py, (nint)pdy, (nint)pdx);
            Engine.For(rows, 4, (r0, r1) =>
            {
                var scratch = TensorPool.Rent(cols, out var scratchOffset);
                var tmp = scratch.AsSpan(scratchOffset, cols);
                for (var r = r0; r < r1; r++)
                {
                    var yr = new ReadOnlySpan<float>((float*)yp + (long)r * cols, cols);
                    var gr = new ReadOnlySpan<float>((float*)dyp + (long)r * cols, cols);
                    var dxr = new Span<float>((float*)dxp + (long)r * cols, cols);
                    if (log)
                    {
                        // dx = g − softmax·Σg
                        var total = TensorPrimitives.Sum(gr);
                        TensorPrimitives.Exp(yr, tmp);
                        TensorPrimitives.MultiplyAdd(tmp, -total, dxr, dxr);
                        TensorPrimitives.Add(dxr, gr, dxr);
                    }
                    else
                    {
                        // dx = y∘(g − Σ g∘y)
                        var dot = TensorPrimitives.Dot(gr, yr);
                        TensorPrimitives.Subtract(gr, dot, tmp);
                        TensorPrimitives.Multiply(tmp, yr, tmp);
                        TensorPrimitives.Add(dxr, tmp, dxr);
                    }
                }
                TensorPool.Return(scratch);
            });
        }
    }
}
