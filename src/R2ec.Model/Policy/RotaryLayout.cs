namespace R2ec.Model.Policy;

/// <summary>
/// Converts q/k projection rows between the Hugging Face rotary layout and the engine's.
/// </summary>
/// <remarks>
/// Hugging Face Qwen2 rotates the pairs <c>(x[i], x[i + headDim/2])</c> of each head ("rotate_half"); the engine's
/// <c>RopeTable</c> rotates the pairs <c>(x[2i], x[2i+1])</c>, with the same frequency for pair i. Reordering the output
/// rows of q_proj and k_proj (weight and bias) inside every head so that HF row i lands at 2i and row i + headDim/2 at
/// 2i + 1 makes the engine compute exactly the HF attention: both q and k are permuted the same way, so every q·k is
/// unchanged, and v and o_proj are untouched. Loading applies <see cref="ToEngine"/>, saving <see cref="ToHuggingFace"/>;
/// both only move floats, so a save → load round trip is bit-exact.
/// </remarks>
internal static class RotaryLayout
{
    /// <summary>Reorders the rows of <paramref name="data"/> ([heads·headDim, cols], or a bias with cols 1) from HF to engine layout.</summary>
    public static void ToEngine(Span<float> data, int headDim, int cols) => Permute(data, headDim, cols, toEngine: true);

    /// <summary>The inverse of <see cref="ToEngine"/>.</summary>
    public static void ToHuggingFace(Span<float> data, int headDim, int cols) => Permute(data, headDim, cols, toEngine: false);

    private static void Permute(Span<float> data, int headDim, int cols, bool toEngine)
    {
        var half = headDim / 2;
        var headSize = headDim * cols;
        var scratch = new float[headSize];
        for (var h = 0; h + headSize <= data.Length; h += headSize)
        {
            var head = data.Slice(h, headSize);
            head.CopyTo(scratch);
            for (var i = 0; i < half; i++)
            {
                // HF row i ↔ engine row 2i; HF row i+half ↔ engine row 2i+1.
                var (fromA, toA, fromB, toB) = toEngine ? (i, 2 * i, i + half, 2 * i + 1) : (2 * i, i, 2 * i + 1, i + half);
                scratch.AsSpan(fromA * cols, cols).CopyTo(head.Slice(toA * cols, cols));
                scratch.AsSpan(fromB * cols, cols).CopyTo(head.Slice(toB * cols, cols));
            }
        }
    }
}
