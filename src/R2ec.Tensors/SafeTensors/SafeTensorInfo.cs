namespace R2ec.Tensors.SafeTensors;

/// <summary>One entry of a safetensors header.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="DType">Element type as written (<c>F32</c>, <c>F16</c>, <c>BF16</c>, …).</param>
/// <param name="Shape">Dimensions.</param>
/// <param name="Begin">First byte, relative to the data section.</param>
/// <param name="End">One past the last byte, relative to the data section.</param>
public sealed record SafeTensorInfo(string Name, string DType, int[] Shape, long Begin, long End)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>Bytes per element of the types this engine knows, 0 for others.</summary>
    public static int ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => 0,
    };
}
