namespace R2ec.Data.Datasets;

/// <summary>One raw event of an interaction log: a user rated or consumed an item.</summary>
/// <param name="User">The user's key as written in the source.</param>
/// <param name="Item">The item's key as written in the source.</param>
/// <param name="Rating">The explicit rating, or <see cref="float.NaN"/> when the source has none.</param>
/// <param name="Time">
/// Unix time in milliseconds when the log is timed; otherwise the event's ordinal in the source, so that order-only
/// logs keep the order of events as given.
/// </param>
/// <param name="Order">Position of the event in the source; breaks ties between equal times, so sorting is stable.</param>
public readonly record struct Interaction(string User, string Item, float Rating, long Time, long Order);
