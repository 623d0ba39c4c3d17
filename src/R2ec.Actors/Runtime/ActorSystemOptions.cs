using R2ec.Actors.Serialization;

namespace R2ec.Actors.Runtime;

/// <summary>Settings of one actor system (one node).</summary>
public sealed record ActorSystemOptions
{
    /// <summary>Key of the supervision jitter stream, so restart delays are reproducible.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>
    /// When set, every message between actors of this node is encoded and decoded by it as if it crossed machines
    /// (test mode): a message of an unregistered type, or too large, fails at the sender.
    /// </summary>
    public MessageSerializer? Serializer { get; init; }
}
