using Google.Protobuf;
using R2ec.Actors.Addressing;

namespace R2ec.Actors.Runtime;

/// <summary>Something at a local path that accepts envelopes: an actor's mailbox or an Ask's reply slot.</summary>
internal interface ILocalReceiver
{
    ValueTask EnqueueAsync(Envelope envelope, CancellationToken cancellationToken);
}

/// <summary>The temporary receiver of one Ask: the first message it gets is the reply.</summary>
internal sealed class AskReceiver : ILocalReceiver
{
    private readonly TaskCompletionSource<IMessage> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<IMessage> Reply => _reply.Task;

    public ValueTask EnqueueAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        _reply.TrySetResult(envelope.Message);
        envelope.Receipt?.Complete();
        return default;
    }
}

/// <summary>A reference by address: an actor on another node, a pool, a topic, or a local path with no live actor.</summary>
internal sealed class AddressRef(ActorSystem system, ActorAddress address) : ActorRefBase(system, address);
