namespace R2ec.Data.Datasets;

/// <summary>The size and shape of a synthetic dataset; the defaults make the embedded default's small dataset.</summary>
public sealed record SyntheticOptions
{
    /// <summary>Root of every random stream.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Catalogue size.</summary>
    public int Items { get; init; } = 300;

    /// <summary>Number of users.</summary>
    public int Users { get; init; } = 200;

    /// <summary>The fewest interactions a user has.</summary>
    public int MinInteractions { get; init; } = 10;

    /// <summary>The most interactions a user has.</summary>
    public int MaxInteractions { get; init; } = 30;

    /// <summary>Days the log spans.</summary>
    public int Days { get; init; } = 365;

    /// <summary>Weight of the user's taste in each choice (0: choices ignore taste).</summary>
    public double TasteWeight { get; init; } = 2.0;

    /// <summary>Weight of the item's current log-popularity in each choice.</summary>
    public double PopularityWeight { get; init; } = 1.0;

    /// <summary>Chance that a user's favourite colour changes halfway through their history.</summary>
    public double TasteDriftProbability { get; init; } = 0.3;

    /// <summary>Fails when an option is out of range.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        if (Items < 2 || Items > SyntheticGenerator.DistinctTitles)
            throw new ArgumentException($"synthetic items must be between 2 and {SyntheticGenerator.DistinctTitles}, got {Items}");
        if (Users < 1)
            throw new ArgumentException($"synthetic users must be at least 1, got {Users}");
        if (MinInteractions < 2 || MaxInteractions < MinInteractions || MaxInteractions > Items)
            throw new ArgumentException($"synthetic interactions per user must satisfy 2 ≤ min ≤ max ≤ items, got {MinInteractions}..{MaxInteractions}");
        if (Days < 1)
            throw new ArgumentException($"synthetic days must be at least 1, got {Days}");
    }
}
