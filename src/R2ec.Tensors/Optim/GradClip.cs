using System.Numerics.Tensors;
using R2ec.Tensors.Autograd;

namespace R2ec.Tensors.Optim;

/// <summary>Gradient clipping by the global L2 norm over all parameters (as <c>clip_grad_norm_</c>).</summary>
public static class GradClip
{
    /// <summary>
    /// Scales every gradient by <c>maxNorm / (norm + 1e-6)</c> when the global norm exceeds <paramref name="maxNorm"/>;
    /// returns the norm before clipping. Parameters are summed in order, so the norm does not depend on threads.
    /// </summary>
    public static float ClipByGlobalNorm(IEnumerable<Variable> parameters, float maxNorm)
    {
        var list = parameters.ToList();
        var total = 0.0;
        foreach (var p in list)
        {
            if (p.Grad is { } g)
                total += TensorPrimitives.SumOfSquares(g.Span);
        }
        var norm = (float)Math.Sqrt(total);
        if (norm > maxNorm)
        {
            var scale = maxNorm / (norm + 1e-6f);
            foreach (var p in list)
            {
                if (p.Grad is { } g)
                    TensorPrimitives.Multiply(g.Span, scale, g.Span);
            }
        }
        return norm;
    }
}
