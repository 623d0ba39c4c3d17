using R2ec.Actors.Supervision;

namespace R2ec.Actors.Runtime;

/// <summary>How to create and run an actor: its factory, mailbox and supervision.</summary>
/// <param name="Factory">Creates a fresh instance (called on start and on every restart).</param>
public sealed record Props(Func<Actor> Factory)
{
    /// <summary>Capacity of a bounded mailbox (senders wait when it is full), or null for an unbounded one.</summary>
    public int? MailboxCapacity { get; init; }

    /// <summary>How failures of this actor are handled.</summary>
    public SupervisionOptions Supervision { get; init; } = new();
}
