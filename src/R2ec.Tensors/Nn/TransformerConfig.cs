namespace R2ec.Tensors.Nn;

/// <summary>Shape of a Qwen2-style decoder: RMSNorm, rotary attention with grouped-query heads and QKV bias, SwiGLU, tied embeddings.</summary>
/// <param name="Vocab">Token vocabulary.</param>
/// <param name="Dim">Hidden size.</param>
/// <param name="Layers">Decoder blocks.</param>
/// <param name="Heads">Query heads.</param>
/// <param name="KvHeads">Key/value heads (divides <paramref name="Heads"/>).</param>
/// <param name="Ffn">SwiGLU inner size.</param>
/// <param name="NormEps">RMSNorm epsilon.</param>
/// <param name="RopeTheta">Rotary base.</param>
/// <param name="MaxPositions">Longest sequence.</param>
/// <param name="QkvBias">Whether the q, k, v projections have a bias (Qwen2 does).</param>
public sealed record TransformerConfig(int Vocab, int Dim, int Layers, int Heads, int KvHeads, int Ffn,
    float NormEps = 1e-6f, double RopeTheta = 10000, int MaxPositions = 2048, bool QkvBias = true)
{
    /// <summary>Size of one head.</summary>
    public int HeadDim => Dim / Heads;

    /// <summary>Fails with a message naming the field when the shape is inconsistent.</summary>
    public void Validate()
    {
        if (Vocab <= 0 || Dim <= 0 || Layers <= 0 || Heads <= 0 || KvHeads <= 0 || Ffn <= 0 || MaxPositions <= 0)
            throw new ArgumentException($"every size of the transformer must be positive: {this}");
        if (Dim % Heads != 0)
            throw new ArgumentException($"Dim {Dim} is not a multiple of Heads {Heads}");
        if (Heads % KvHeads != 0)
            throw new ArgumentException($"Heads {Heads} is not a multiple of KvHeads {KvHeads}");
        if (HeadDim % 2 != 0)
            throw new ArgumentException($"head size {HeadDim} must be even for rotary embedding");
    }
}
