using R2ec.Tensors;
using R2ec.Tensors.Ops;

namespace R2ec.Model.Inference;

/// <summary>
/// <see cref="Linear.Forward"/> whose result for a row never depends on how many other rows share the call.
/// </summary>
/// <remarks>
/// The engine's GEMM takes a dot-product path for a few rows and the blocked kernel for more; the two round
/// differently, so a sequence's logits would change in the last bits with the number of sequences decoded beside it,
/// and with them its sampled log-probs (and, rarely, its tokens). The blocked kernel computes each row on its own, so
/// small calls are padded up to it. <c>GeneratorTests</c> checks bit-exact trajectories across batch compositions.
/// </remarks>
internal static class RowStableLinear
{
    // One more than the engine's largest small-rows path (Gemm.SmallRowsNT = 16).
    private const int MinRows = 17;

    public static void Forward(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inDim, int outDim, Span<float> y, float scale = 1f)
    {
        if (rows >= MinRows)
        {
            Linear.Forward(x[..(rows * inDim)], rows, weight, bias, inDim, outDim, y[..(rows * outDim)], scale);
            return;
        }
        using var xp = Tensor.Pooled(true, MinRows, inDim);
        using var yp = Tensor.Pooled(false, MinRows, outDim);
        x[..(rows * inDim)].CopyTo(xp.Span);
        Linear.Forward(xp.Span, MinRows, weight, bias, inDim, outDim, yp.Span, scale);
        yp.Span[..(rows * outDim)].CopyTo(y);
    }
}
