using System.Numerics.Tensors;
using R2ec.Tensors.Autograd;

namespace R2ec.Tensors.Ops;

/// <summary>Row L2 normalisation and temperature-scaled cosine similarity against a table of vectors.</summary>
public static class Cosine
{
    /// <summary>Smallest norm divided by, as in <c>torch.nn.functional.normalize</c>.</summary>
    public const float NormEpsilon = 1e-12f;

    /// <summary><c>x / max(‖x‖, 1e-12)</c> per row.</summary>
    public static Variable L2Normalize(Tape tape, Variable x)
    {
        var rows = x.Value.RowCount;
        var cols = x.Value.Cols;
        var y = tape.Allocate(false, x.Value.Shape.ToArray());
        var norms = tape.Allocate(false, rows);
        NormalizeRows(x.Value.Span, rows, cols, y.Span, norms.Span);
        return tape.Op(y, dy =>
        {
            NormalizeBackward(y.Span, norms.Span, dy.Span, rows, cols, tape.GradOf(x).Span);
        }, x);
    }

    /// <summary>
    /// <c>cos(q_i, t_j) / temperature</c> for every query row and table row: [queries, tableRows].
    /// Both sides are normalised inside the graph, so a trainable table receives gradients too.
    /// </summary>
    public static Variable Similarity(Tape tape, Variable queries, Variable table, float temperature)
    {
        if (!(temperature > 0f))
            throw new ArgumentOutOfRangeException(nameof(temperature), $"temperature must be positive, got {temperature}");
        return Linear.Apply(tape, L2Normalize(tape, queries), L2Normalize(tape, table), null, 1f / temperature);
    }

    /// <summary>Normalisation kernel; <paramref name="norms"/> receives ‖x‖ per row (may be empty).</summary>
    public static unsafe void NormalizeRows(ReadOnlySpan<float> x, int rows, int cols, Span<float> y, Span<float> norms)
    {
        var keep = !norms.IsEmpty;
        fixed (float* px = x, py = y, pn = norms)
        {
            var (xp, yp, np) = ((nint)px, (nint)py, (nint)pn);
            Engine.For(rows, 16, (r0, r1) =>
            {
                for (var r = r0; r < r1; r++)
                {
                    var xr = new ReadOnlySpan<float>((float*)xp + (long)r * cols, cols);
                    var n = TensorPrimitives.Norm(xr);
                    if (keep)
                        ((float*)np)[r] = n;
                    TensorPrimitives.Divide(xr, MathF.Max(n, NormEpsilon), new Span<float>((float*)yp + (long)r * cols, cols));
                }
            });
        }
    }

    // dx = (g − y·(y·g)) / ‖x‖ when ‖x‖ > eps; below eps the map is x/eps, so dx = g/eps.
    private static unsafe void NormalizeBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> norms, ReadOnlySpan<float> dy, int rows, int cols, Span<float> dx)
    {
        fixed (float* py = y, pn = norms, pdy = dy, pdx = dx)
        {
            var (yp, np, dyp, dxp) = ((nint)py, (nint)pn, (nint)pdy, (nint)pdx);
            Engine.For(rows, 16, (r0, r1) =>
            {
                var scratch = TensorPool.Rent(cols, out var scratchOffset);
                var tmp = scratch.AsSpan(scratchOffset, cols);
                for (var r = r0; r < r1; r++)
                {
                    var yr = new ReadOnlySpan<float>((float*)yp + (long)r * cols, cols);
                    var gr = new ReadOnlySpan<float>((float*)dyp + (long)r * cols, cols);
                    var dxr = new Span<float>((float*)dxp + (long)r * cols, cols);
                    var n = ((float*)np)[r];
                    if (n > NormEpsilon)
                    {
                        TensorPrimitives.Multiply(yr, -TensorPrimitives.Dot(yr, gr), tmp);
                        TensorPrimitives.Add(tmp, gr, tmp);
                        TensorPrimitives.MultiplyAdd(tmp, 1f / n, dxr, dxr);
                    }
                    else
                    {
                        TensorPrimitives.MultiplyAdd(gr, 1f / NormEpsilon, dxr, dxr);
                    }
                }
                TensorPool.Return(scratch);
            });
        }
    }
}
