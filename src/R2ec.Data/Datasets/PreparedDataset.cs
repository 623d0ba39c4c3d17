namespace R2ec.Data.Datasets;

/// <summary>A dataset ready to train on: numbered items with their text and the three splits of samples.</summary>
public sealed class PreparedDataset
{
    /// <summary>The source format.</summary>
    public required string Format { get; init; }

    /// <summary>The items; <c>Items[i]</c> has number <c>i + 1</c>.</summary>
    public required IReadOnlyList<ItemRecord> Items { get; init; }

    /// <summary>Training samples, in split order.</summary>
    public required IReadOnlyList<Sample> Train { get; init; }

    /// <summary>Validation samples, in split order.</summary>
    public required IReadOnlyList<Sample> Valid { get; init; }

    /// <summary>Test samples, in split order.</summary>
    public required IReadOnlyList<Sample> Test { get; init; }

    /// <summary>Whether sample times are Unix milliseconds (else event ordinals).</summary>
    public required bool HasTimestamps { get; init; }

    /// <summary>The split that was applied (never <see cref="SplitMode.Auto"/>).</summary>
    public required SplitMode Split { get; init; }

    /// <summary>What was kept and dropped.</summary>
    public required PreparationCounts Counts { get; init; }

    /// <summary>The earliest kept event's time, or <c>null</c> without timestamps.</summary>
    public DateTimeOffset? FirstTime { get; init; }

    /// <summary>The latest kept event's time, or <c>null</c> without timestamps.</summary>
    public DateTimeOffset? LastTime { get; init; }

    /// <summary>A note shown with the dataset (for example that it is synthetic), or <c>null</c>.</summary>
    public string? Note { get; init; }

    /// <summary>The item with number <paramref name="id"/> (1..N).</summary>
    public ItemRecord Item(int id) => Items[id - 1];
}
