namespace R2ec.RecPO;

/// <summary>Checks of the per-group layout (groups of <c>groupSize</c> trajectories, one after another).</summary>
internal static class GroupLayout
{
    /// <summary>Throws unless the values form whole groups of at least <paramref name="minGroupSize"/>, the output matches
    /// in length, and every value is finite.</summary>
    public static void Check(ReadOnlySpan<double> values, string what, int groupSize, int minGroupSize, int outputLength, string output)
    {
        if (groupSize < minGroupSize)
            throw new ArgumentException($"group size must be at least {minGroupSize} (got {groupSize})", nameof(groupSize));
        if (values.Length % groupSize != 0)
            throw new ArgumentException($"{values.Length} {what}s are not whole groups of {groupSize}", what);
        if (outputLength != values.Length)
            throw new ArgumentException($"{output} ({outputLength}) and {what}s ({values.Length}) must have the same length", output);
        for (var i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i]))
                throw new ArgumentException($"{what} {i} is {values[i]}, not a finite number", what);
    }
}
