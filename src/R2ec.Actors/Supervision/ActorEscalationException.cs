namespace R2ec.Actors.Supervision;

/// <summary>The failure a parent receives when a child escalates (its restart limit is spent, or its decider said so).</summary>
public sealed class ActorEscalationException : Exception
{
    /// <summary>Creates the exception for the child at <paramref name="childPath"/>.</summary>
    public ActorEscalationException(string childPath, Exception cause)
        : base($"child {childPath} escalated: {cause.Message}", cause) => ChildPath = childPath;

    /// <summary>Path of the child that escalated.</summary>
    public string ChildPath { get; }
}
