using R2ec.Tensors.Autograd;

namespace R2ec.Tensors.Ops;

/// <summary>Reductions to a scalar (losses are built from them).</summary>
public static class Reduce
{
    /// <summary><c>Σ w_i·x_i</c> over all elements, summed in order in double precision.</summary>
    public static Variable WeightedSum(Tape tape, Variable x, ReadOnlySpan<float> weights)
    {
        if (weights.Length != x.Value.Length)
            throw new ArgumentException($"{weights.Length} weights for {x.Value.Length} elements", nameof(weights));
        var xs = x.Value.Span;
        var total = 0.0;
        for (var i = 0; i < xs.Length; i++)
            total += (double)weights[i] * xs[i];
        var y = tape.Allocate(false, 1);
        y.Span[0] = (float)total;
        var saved = weights.ToArray();
        return tape.Op(y, dy =>
        {
            var dx = tape.GradOf(x).Span;
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(saved, dy.Span[0], dx, dx);
        }, x);
    }

    /// <summary>Mean of all elements.</summary>
    public static Variable Mean(Tape tape, Variable x)
    {
        var w = new float[x.Value.Length];
        Array.Fill(w, 1f / Math.Max(1, w.Length));
        return WeightedSum(tape, x, w);
    }
}
