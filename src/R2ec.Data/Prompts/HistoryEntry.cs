namespace R2ec.Data.Prompts;

/// <summary>One past interaction as the user prompt shows it.</summary>
/// <param name="Title">The item's title.</param>
/// <param name="Rating">The user's rating, or <see cref="float.NaN"/> when the source has none (then none is shown).</param>
/// <param name="Time">When it happened, Unix milliseconds; ignored for order-only logs.</param>
public readonly record struct HistoryEntry(string Title, float Rating, long Time);
