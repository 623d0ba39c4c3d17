namespace R2ec.Data.Datasets;

/// <summary>
/// Applies the <see cref="BadRowPolicy"/> in a reader's row loop:
/// <c>catch (DataFormatException) when (badRows.Absorb())</c> skips and counts the row, or lets the error through.
/// </summary>
internal sealed class BadRows(BadRowPolicy policy)
{
    /// <summary>Rows skipped so far.</summary>
    public long Skipped { get; private set; }

    /// <summary>Whether the current row's error is absorbed (and counted) rather than thrown.</summary>
    public bool Absorb()
    {
        if (policy != BadRowPolicy.Skip)
            return false;
        Skipped++;
        return true;
    }
}
