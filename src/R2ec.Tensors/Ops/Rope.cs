using R2ec.Tensors.Autograd;

namespace R2ec.Tensors.Ops;

/// <summary>
/// Cosines and sines of rotary position embedding for interleaved pairs <c>(x[2i], x[2i+1])</c>, frequency
/// <c>base^(−2i/headDim)</c>, as in the reference model (<c>x[..., ::2]</c>, <c>x[..., 1::2]</c>).
/// </summary>
public sealed class RopeTable
{
    private readonly float[] _cos;
    private readonly float[] _sin;

    /// <summary>Precomputes positions <c>[0, maxPositions)</c>.</summary>
    public RopeTable(int headDim, double theta, int maxPositions)
    {
        if (headDim <= 0 || headDim % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(headDim), $"head dimension must be even and positive, got {headDim}");
        HeadDim = headDim;
        MaxPositions = maxPositions;
        var half = headDim / 2;
        _cos = new float[maxPositions * half];
        _sin = new float[maxPositions * half];
        for (var p = 0; p < maxPositions; p++)
        for (var i = 0; i < half; i++)
        {
            var angle = p * Math.Pow(theta, -2.0 * i / headDim);
            _cos[p * half + i] = (float)Math.Cos(angle);
            _sin[p * half + i] = (float)Math.Sin(angle);
        }
    }

    /// <summary>Size of one head.</summary>
    public int HeadDim { get; }

    /// <summary>Positions covered.</summary>
    public int MaxPositions { get; }

    /// <summary>Rotates every head of one row, in place, to position <paramref name="pos"/>; <paramref name="inverse"/> rotates back (the backward).</summary>
    public void Rotate(Span<float> row, int pos, bool inverse)
    {
        if ((uint)pos >= (uint)MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(pos), $"position {pos} is beyond the {MaxPositions} positions of the rotary table");
        var half = HeadDim / 2;
        var c = _cos.AsSpan(pos * half, half);
        var s = _sin.AsSpan(pos * half, half);
        var sign = inverse ? -1f : 1f;
        for (var h = 0; h + HeadDim <= row.Length; h += HeadDim)
        {
            var head = row.Slice(h, HeadDim);
            for (var i = 0; i < half; i++)
            {
                var x1 = head[2 * i];
                var x2 = head[2 * i + 1];
                var si = sign * s[i];
                head[2 * i] = x1 * c[i] - x2 * si;
                head[2 * i + 1] = x1 * si + x2 * c[i];
            }
        }
    }

    /// <summary>Rotates rows of <c>[batch·seq, width]</c> where row r sits at position <c>start + r mod seq</c>.</summary>
    public unsafe void RotateRows(Span<float> x, int width, int seq, int start, bool inverse)
    {
        var rows = x.Length / width;
        fixed (float* px = x)
        {
            var xp = (nint)px;
            Engine.For(rows, 32, (r0, r1) =>
            {
                for (var r = r0; r < r1; r++)
                    Rotate(new Span<float>((float*)xp + (long)r * width, width), start + r % seq, inverse);
            });
        }
    }
}

/// <summary>Rotary position embedding as an autograd op.</summary>
public static class Rope
{
    /// <summary>
    /// Rotates every head of <paramref name="x"/> [batch·seq, heads·headDim]; row r is at position <c>start + r mod seq</c>.
    /// </summary>
    public static Variable Apply(Tape tape, Variable x, RopeTable table, int seq, int start = 0)
    {
        var width = x.Value.Cols;
        if (width % table.HeadDim != 0)
            throw new ArgumentException($"row width {width} is not a multiple of the head dimension {table.HeadDim}", nameof(x));
        var y = tape.Allocate(false, x.Value.Shape.ToArray());
        x.Value.Span.CopyTo(y.Span);
        table.RotateRows(y.Span, width, seq, start, inverse: false);
        return tape.Op(y, dy =>
        {
            var back = tape.Allocate(false, x.Value.Shape.ToArray());
            dy.Span.CopyTo(back.Span);
            table.RotateRows(back.Span, width, seq, start, inverse: true);
            var dx = tape.GradOf(x).Span;
            System.Numerics.Tensors.TensorPrimitives.Add(dx, back.Span, dx);
        }, x);
    }
}
