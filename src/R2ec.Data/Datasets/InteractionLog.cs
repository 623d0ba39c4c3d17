namespace R2ec.Data.Datasets;

/// <summary>
/// Everything a reader got out of its sources: the events, the item texts and the bookkeeping the manifest needs.
/// The preparation step turns it into numbered items and samples.
/// </summary>
public sealed class InteractionLog
{
    /// <summary>The source format's name (<c>movielens</c>, <c>amazon2023</c>, <c>recbole</c>, <c>synthetic</c>).</summary>
    public required string Format { get; init; }

    /// <summary>The events, in source order.</summary>
    public required List<Interaction> Interactions { get; init; }

    /// <summary>
    /// Item texts by key, or <c>null</c> when the source has no item file: then every item is titled by its key and
    /// no interaction counts as naming an unknown item.
    /// </summary>
    public Dictionary<string, ItemMetadata>? Items { get; init; }

    /// <summary>Whether <see cref="Interaction.Time"/> is a Unix time in milliseconds rather than an event ordinal.</summary>
    public required bool HasTimestamps { get; init; }

    /// <summary>The files read, with their checksums.</summary>
    public List<SourceFile> Sources { get; init; } = [];

    /// <summary>Malformed rows skipped under <see cref="BadRowPolicy.Skip"/>.</summary>
    public long SkippedRows { get; init; }

    /// <summary>A one-line note shown wherever the dataset is described (for example that it is synthetic).</summary>
    public string? Note { get; init; }
}
