namespace R2ec.Data.Datasets;

/// <summary>What the preparation kept and dropped, step by step; recorded in the manifest.</summary>
public sealed record PreparationCounts
{
    /// <summary>Events the readers returned.</summary>
    public long RawInteractions { get; init; }

    /// <summary>Malformed rows skipped by the readers (<c>--skip-bad-rows</c>).</summary>
    public long SkippedRows { get; init; }

    /// <summary>Events naming an item the item file does not describe; dropped.</summary>
    public long UnknownItemInteractions { get; init; }

    /// <summary>Events of items whose title is missing or empty; dropped, since a prompt needs a title.</summary>
    public long UntitledItemInteractions { get; init; }

    /// <summary>Events outside <c>--since</c>/<c>--until</c>; dropped.</summary>
    public long OutsideTimeWindow { get; init; }

    /// <summary>Repeated (user, item) events after the first; dropped (the earliest is kept, as the Amazon 2023 benchmark does).</summary>
    public long DuplicateInteractions { get; init; }

    /// <summary>Events removed by the k-core filter.</summary>
    public long KCoreRemoved { get; init; }

    /// <summary>Events kept: they make the users' sequences.</summary>
    public long Interactions { get; init; }

    /// <summary>Users with at least one kept event.</summary>
    public int Users { get; init; }

    /// <summary>Items with at least one kept event, numbered 1..N.</summary>
    public int Items { get; init; }

    /// <summary>Samples before splitting: one per position ≥ 1 of each user's sequence.</summary>
    public long Samples { get; init; }

    /// <summary>Samples in train.</summary>
    public long Train { get; init; }

    /// <summary>Samples in valid.</summary>
    public long Valid { get; init; }

    /// <summary>Samples in test.</summary>
    public long Test { get; init; }
}
