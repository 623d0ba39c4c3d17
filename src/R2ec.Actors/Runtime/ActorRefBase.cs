using Google.Protobuf;
using R2ec.Actors.Addressing;

namespace R2ec.Actors.Runtime;

/// <summary>Sending through the owning system, shared by local actors and references by address.</summary>
internal abstract class ActorRefBase(ActorSystem system, ActorAddress address) : IActorRef
{
    public ActorSystem System { get; } = system;

    public ActorAddress Address { get; } = address;

    public void Tell(IMessage message, IActorRef? sender = null) => System.Tell(Address, message, sender?.Address);

    public ValueTask TellAsync(IMessage message, IActorRef? sender = null, CancellationToken cancellationToken = default) =>
        System.SendAsync(Address, message, sender?.Address, null, cancellationToken);

    public Task<TReply> AskAsync<TReply>(IMessage message, TimeSpan timeout, CancellationToken cancellationToken = default)
        where TReply : IMessage =>
        System.AskAsync<TReply>(Address, message, timeout, cancellationToken);

    public override string ToString() => Address.ToString();
}
