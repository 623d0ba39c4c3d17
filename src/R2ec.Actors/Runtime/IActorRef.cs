using Google.Protobuf;
using R2ec.Actors.Addressing;

namespace R2ec.Actors.Runtime;

/// <summary>
/// A reference to an actor, a pool or a topic, local or on another node: all look the same to the sender.
/// Messages are protobuf messages so that any of them can cross machines.
/// </summary>
public interface IActorRef
{
    /// <summary>Where the reference points.</summary>
    ActorAddress Address { get; }

    /// <summary>
    /// Sends without waiting for the message to be handled. Messages from one sender to one actor arrive in the order
    /// sent. When the target's mailbox is bounded and full, <c>Tell</c> blocks the calling thread until there is room
    /// (back-pressure); code that must not block a thread, such as an actor's handler, uses <see cref="TellAsync"/>.
    /// A message to a stopped or unknown actor becomes a dead letter.
    /// </summary>
    /// <exception cref="Serialization.MessageSerializationException">The message cannot cross the serializer boundary (test mode or remote).</exception>
    void Tell(IMessage message, IActorRef? sender = null);

    /// <summary>Like <see cref="Tell"/>, but waits asynchronously for room in a full bounded mailbox.</summary>
    ValueTask TellAsync(IMessage message, IActorRef? sender = null, CancellationToken cancellationToken = default);

    /// <summary>Sends a request and waits for the reply the actor sends with <see cref="IActorContext.Reply"/>.</summary>
    /// <exception cref="TimeoutException">No reply within <paramref name="timeout"/>; names the actor and the message type.</exception>
    /// <exception cref="InvalidCastException">The reply is not a <typeparamref name="TReply"/>.</exception>
    Task<TReply> AskAsync<TReply>(IMessage message, TimeSpan timeout, CancellationToken cancellationToken = default)
        where TReply : IMessage;
}
