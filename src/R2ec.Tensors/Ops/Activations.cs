using System.Numerics.Tensors;
using R2ec.Tensors.Autograd;

namespace R2ec.Tensors.Ops;

/// <summary>SiLU <c>x·σ(x)</c> and the gated SwiGLU <c>silu(g)·u</c>.</summary>
public static class Activations
{
    private const int Chunk = 1024;

    /// <summary><c>x·σ(x)</c> elementwise.</summary>
    public static Variable Silu(Tape tape, Variable x)
    {
        var y = tape.Allocate(false, x.Value.Shape.ToArray());
        SiluForward(x.Value.Span, y.Span);
        return tape.Op(y, dy =>
        {
            GatedBackward(x.Value.Span, default, dy.Span, tape.GradOf(x).Span, default);
        }, x);
    }

    /// <summary><c>silu(gate)·up</c> elementwise (the SwiGLU feed-forward gate).</summary>
    public static Variable SwiGlu(Tape tape, Variable gate, Variable up)
    {
        if (!gate.Value.Shape.SequenceEqual(up.Value.Shape))
            throw new ArgumentException($"gate [{gate.Value.ShapeText()}] and up [{up.Value.ShapeText()}] differ in shape", nameof(up));
        var y = tape.Allocate(false, gate.Value.Shape.ToArray());
        SwiGluForward(gate.Value.Span, up.Value.Span, y.Span);
        return tape.Op(y, dy =>
        {
            GatedBackward(gate.Value.Span, up.Value.Span, dy.Span,
                gate.RequiresGrad ? tape.GradOf(gate).Span : default, up.RequiresGrad ? tape.GradOf(up).Span : default);
        }, gate, up);
    }

    /// <summary>Inference kernel for SiLU.</summary>
    public static void SiluForward(ReadOnlySpan<float> x, Span<float> y) => SwiGluForward(x, default, y);

    /// <summary>Inference kernel for SwiGLU; an empty <paramref name="up"/> gives plain SiLU.</summary>
    public static unsafe void SwiGluForward(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> y)
    {
        var hasUp = !up.IsEmpty;
        var length = gate.Length;
        fixed (float* pg = gate, pu = up, py = y)
        {
            var (gp, upp, yp) = ((nint)pg, (nint)pu, (nint)py);
            // Fixed chunks (not per-thread ranges) so the vector/scalar split of σ never depends on the thread count.
            Engine.For((length + Chunk - 1) / Chunk, 4, (c0, c1) =>
            {
                for (var start = c0 * Chunk; start < Math.Min(length, c1 * Chunk); start += Chunk)
                {
                    var n = Math.Min(Chunk, length - start);
                    var g = new ReadOnlySpan<float>((float*)gp + start, n);
                    var yy = new Span<float>((float*)yp + start, n);
                    TensorPrimitives.Sigmoid(g, yy);
                    TensorPrimitives.Multiply(yy, g, yy);
                    if (hasUp)
                        TensorPrimitives.Multiply(yy, new ReadOnlySpan<float>((float*)upp + start, n), yy);
                }
            });
        }
    }

    // dgate += dy·up·σ(g)(1 + g(1 − σ(g))), dup += dy·silu(g); an empty up means plain SiLU (up ≡ 1).
    private static unsafe void GatedBackward(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, ReadOnlySpan<float> dy, Span<float> dgate, Span<float> dup)
    {
        var hasUp = !up.IsEmpty;
        var wantGate = !dgate.IsEmpty;
        var wantUp = !dup.IsEmpty;
        var length = gate.Length;
        fixed (float* pg = gate, pu = up, pdy = dy, pdg = dgate, pdu = dup)
        {
            var (gp, upp, dyp, dgp, dup2) = ((nint)pg, (nint)pu, (nint)pdy, (nint)pdg, (nint)pdu);
            Engine.For((length + Chunk - 1) / Chunk, 4, (c0, c1) =>
            {
                Span<float> sig = stackalloc float[Chunk];
                Span<float> tmp = stackalloc float[Chunk];
                for (var start = c0 * Chunk; start < Math.Min(length, c1 * Chunk); start += Chunk)
                {
                    var n = Math.Min(Chunk, length - start);
                    var g = new ReadOnlySpan<float>((float*)gp + start, n);
                    var d = new ReadOnlySpan<float>((float*)dyp + start, n);
                    var s = sig[..n];
                    var t = tmp[..n];
                    TensorPrimitives.Sigmoid(g, s);
                    if (wantUp)
                    {
                        TensorPrimitives.Multiply(s, g, t);
                        TensorPrimitives.Multiply(t, d, t);
                        var du = new Span<float>((float*)dup2 + start, n);
                        TensorPrimitives.Add(du, t, du);
                    }
                    if (wantGate)
                    {
                        // t = σ·(1 + g·(1 − σ)) · dy · up
                        TensorPrimitives.Subtract(1f, s, t);
                        TensorPrimitives.MultiplyAdd(t, g, 1f, t);
                        TensorPrimitives.Multiply(t, s, t);
                        TensorPrimitives.Multiply(t, d, t);
                        if (hasUp)
                            TensorPrimitives.Multiply(t, new ReadOnlySpan<float>((float*)upp + start, n), t);
                        var dg = new Span<float>((float*)dgp + start, n);
                        TensorPrimitives.Add(dg, t, dg);
                    }
                }
            });
        }
    }
}
