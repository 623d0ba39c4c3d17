namespace R2ec.Data.Datasets;

/// <summary>How a log becomes samples: the paper's <c>preprocess.py</c> choices, with its defaults.</summary>
public sealed record PrepareOptions
{
    /// <summary>The most recent items kept as a sample's history (the paper's window: 20).</summary>
    public int HistoryWindow { get; init; } = 20;

    /// <summary>Keep only users and items with at least this many interactions, repeated until stable; 0 or 1 = off.</summary>
    public int KCore { get; init; }

    /// <summary>Drop interactions before this instant (timed logs only).</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Drop interactions at or after this instant (timed logs only).</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>How samples are split into train, valid and test.</summary>
    public SplitMode Split { get; init; } = SplitMode.Auto;

    /// <summary>Words of an item's description kept for its text (the paper's cut: 100).</summary>
    public int DescriptionWords { get; init; } = 100;

    /// <summary>Fails when an option is out of range.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        if (HistoryWindow < 1)
            throw new ArgumentException($"history window must be at least 1, got {HistoryWindow}");
        if (KCore < 0)
            throw new ArgumentException($"k-core must not be negative, got {KCore}");
        if (DescriptionWords < 0)
            throw new ArgumentException($"description words must not be negative, got {DescriptionWords}");
        if (Since is { } since && Until is { } until && until <= since)
            throw new ArgumentException($"--until {until:O} must be after --since {since:O}");
    }
}

/// <summary>How samples are split.</summary>
public enum SplitMode
{
    /// <summary><see cref="ByTime"/> for timed logs, <see cref="LeaveLastOut"/> for order-only logs.</summary>
    Auto,

    /// <summary>All samples sorted by target time, then the first 80 % train, the next 10 % valid, the rest test.</summary>
    ByTime,

    /// <summary>Per user: the last sample is test, the one before valid, the others train.</summary>
    LeaveLastOut,
}
