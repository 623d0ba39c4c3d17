namespace R2ec.Shared;

/// <summary>The SplitMix64 finalizer: a bijective 64-bit mix under every keyed random stream of the project.</summary>
/// <remarks>Compiled into each project, so the Data and Tensors layers share it without depending on each other.</remarks>
internal static class SplitMix64
{
    /// <summary>Mixes <paramref name="z"/> (Steele, Lea and Flood's constants).</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
