namespace R2ec.RecPO;

/// <summary>
/// The relabel mask (DESIGN.md §2 step 4): in each group the top-k trajectories by advantage get the item loss.
/// Ties go to the lower index, so the mask does not depend on sort stability or arrival order.
/// </summary>
public static class RelabelMask
{
    /// <summary>Writes 1 for the top-<paramref name="k"/> trajectories of each group, 0 for the others.</summary>
    /// <exception cref="ArgumentException">
    /// k is outside [0, groupSize], the advantages are not whole groups, the output differs in length, or an advantage is not finite.
    /// </exception>
    public static void TopK(ReadOnlySpan<double> advantages, int groupSize, int k, Span<float> mask)
    {
        GroupLayout.Check(advantages, "advantage", groupSize, 1, mask.Length, "mask");
        if (k < 0 || k > groupSize)
            throw new ArgumentException($"relabel k must lie in [0, {groupSize}] (got {k})", nameof(k));

        for (var start = 0; start < advantages.Length; start += groupSize)
        {
            var group = advantages.Slice(start, groupSize);
            // Position of i in the group's order = how many members beat it; it is selected when fewer than k do.
            for (var i = 0; i < groupSize; i++)
            {
                var beaten = 0;
                for (var j = 0; j < groupSize; j++)
                    if (group[j] > group[i] || (group[j] == group[i] && j < i))
                        beaten++;
                mask[start + i] = beaten < k ? 1f : 0f;
            }
        }
    }
}
