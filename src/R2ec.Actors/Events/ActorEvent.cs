namespace R2ec.Actors.Events;

/// <summary>Lifecycle changes of actors.</summary>
public enum ActorEventKind
{
    /// <summary>The actor's first instance started.</summary>
    Started,

    /// <summary>A handler threw and the actor will be restarted after <see cref="ActorEvent.Delay"/>.</summary>
    Failed,

    /// <summary>A failed actor was replaced by a fresh instance after a backoff.</summary>
    Restarted,

    /// <summary>The actor exceeded its restart limit (or its decider escalated) and failed its parent.</summary>
    Escalated,

    /// <summary>The actor stopped for good.</summary>
    Stopped,

    /// <summary>A watcher was told that the actor stopped.</summary>
    Terminated,

    /// <summary>A message could not be delivered (stopped or unknown actor, or left in a stopped mailbox).</summary>
    DeadLetter,

    /// <summary>
    /// Another node was declared down (<see cref="Runtime.ActorSystem.NodeDown"/>): <see cref="ActorEvent.Node"/> names it,
    /// the path is <c>/</c>, and the local watchers of its actors were told Terminated.
    /// </summary>
    NodeDown,
}

/// <summary>One lifecycle event, as logged and as published on <see cref="ActorEventStream"/>.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Node">The node of the actor.</param>
/// <param name="Path">The actor's path, e.g. <c>/user/rollout-3</c>.</param>
public sealed record ActorEvent(ActorEventKind Kind, string Node, string Path)
{
    /// <summary>The failure behind a restart, escalation or stop, if any.</summary>
    public Exception? Exception { get; init; }

    /// <summary>For <see cref="ActorEventKind.Failed"/> and <see cref="ActorEventKind.Restarted"/>: the restart's number within the window (1-based).</summary>
    public int Attempt { get; init; }

    /// <summary>For <see cref="ActorEventKind.Failed"/> and <see cref="ActorEventKind.Restarted"/>: the backoff before the restart.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>For dead letters: the message's protobuf type name.</summary>
    public string? MessageType { get; init; }

    /// <summary>The other party: the watcher (Terminated), the sender (DeadLetter) or the parent (Escalated).</summary>
    public string? Other { get; init; }

    /// <summary>Why, in words (stop, terminated, dead-letter and node-down reasons).</summary>
    public string? Reason { get; init; }
}
