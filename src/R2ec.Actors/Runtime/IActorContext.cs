using Google.Protobuf;
using R2ec.Actors.Addressing;
using Serilog;

namespace R2ec.Actors.Runtime;

/// <summary>What an actor can see and do from inside its handlers.</summary>
public interface IActorContext
{
    /// <summary>The actor's own reference (stable across restarts).</summary>
    IActorRef Self { get; }

    /// <summary>The parent, or null for the root guardian.</summary>
    IActorRef? Parent { get; }

    /// <summary>The system the actor lives in.</summary>
    ActorSystem System { get; }

    /// <summary>The sender of the message being handled, if it named one.</summary>
    IActorRef? Sender { get; }

    /// <summary>Id of the message being handled (for idempotent handling of redeliveries).</summary>
    string MessageId { get; }

    /// <summary>Whether the message being handled is a redelivery.</summary>
    bool Redelivered { get; }

    /// <summary>A logger that tags events with this actor's path.</summary>
    ILogger Log { get; }

    /// <summary>Starts a child actor at <c>Self.Path/name</c>.</summary>
    /// <exception cref="InvalidOperationException">A live child already has that name.</exception>
    IActorRef Spawn(string name, Props props);

    /// <summary>Asks to receive a <see cref="Protocol.Terminated"/> message when <paramref name="actor"/> stops (at once if it already has).</summary>
    void Watch(IActorRef actor);

    /// <summary>Cancels a <see cref="Watch"/>.</summary>
    void Unwatch(IActorRef actor);

    /// <summary>Sends <paramref name="message"/> to the sender of the current message, correlated with it (answers an Ask).</summary>
    void Reply(IMessage message);

    /// <summary>Stops the actor after the current message; its remaining messages become dead letters.</summary>
    void StopSelf();

    /// <summary>Joins the pool at <paramref name="pool"/> as a competing consumer.</summary>
    void JoinPool(ActorAddress pool);

    /// <summary>Subscribes to the broadcast topic at <paramref name="topic"/>.</summary>
    void Subscribe(ActorAddress topic);
}
