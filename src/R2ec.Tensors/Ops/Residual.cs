using System.Numerics.Tensors;
using R2ec.Tensors.Autograd;

namespace R2ec.Tensors.Ops;

/// <summary>Elementwise sum of two same-shaped values (the residual connection).</summary>
public static class Residual
{
    /// <summary><c>a + b</c>.</summary>
    public static Variable Add(Tape tape, Variable a, Variable b)
    {
        if (!a.Value.Shape.SequenceEqual(b.Value.Shape))
            throw new ArgumentException($"cannot add [{a.Value.ShapeText()}] and [{b.Value.ShapeText()}]", nameof(b));
        var y = tape.Allocate(false, a.Value.Shape.ToArray());
        TensorPrimitives.Add(a.Value.Span, b.Value.Span, y.Span);
        return tape.Op(y, dy =>
        {
            foreach (var v in new[] { a, b })
            {
                if (!v.RequiresGrad)
                    continue;
                var g = tape.GradOf(v).Span;
                TensorPrimitives.Add(g, dy.Span, g);
            }
        }, a, b);
    }
}
