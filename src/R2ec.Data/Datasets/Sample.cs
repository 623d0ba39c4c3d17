namespace R2ec.Data.Datasets;

/// <summary>One training or evaluation example: a user's recent history and the item that came next.</summary>
/// <param name="User">The user's number, 0-based, in order of the user's first interaction.</param>
/// <param name="UserKey">The user's key in the source.</param>
/// <param name="Position">The target's position in the user's sequence (1 for the second interaction).</param>
/// <param name="History">Item numbers of the last ≤ window interactions before the target, oldest first.</param>
/// <param name="HistoryRatings">Their ratings (<see cref="float.NaN"/> where the source has none).</param>
/// <param name="HistoryTimes">Their times (Unix milliseconds, or event ordinals for order-only logs).</param>
/// <param name="Target">The target item's number (1..N).</param>
/// <param name="TargetRating">The target's rating, or <see cref="float.NaN"/>.</param>
/// <param name="TargetTime">The target's time, in the unit of <paramref name="HistoryTimes"/>.</param>
public sealed record Sample(
    int User,
    string UserKey,
    int Position,
    int[] History,
    float[] HistoryRatings,
    long[] HistoryTimes,
    int Target,
    float TargetRating,
    long TargetTime)
{
    /// <summary>Value equality including the arrays' contents (records compare arrays by reference).</summary>
    public bool Equals(Sample? other) =>
        other is not null
        && User == other.User && UserKey == other.UserKey && Position == other.Position
        && History.AsSpan().SequenceEqual(other.History)
        && HistoryRatings.AsSpan().SequenceEqual(other.HistoryRatings)
        && HistoryTimes.AsSpan().SequenceEqual(other.HistoryTimes)
        && Target == other.Target && TargetRating.Equals(other.TargetRating) && TargetTime == other.TargetTime;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(User, Position, Target, TargetTime);
}
