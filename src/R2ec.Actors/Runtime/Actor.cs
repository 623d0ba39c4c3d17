using Google.Protobuf;

namespace R2ec.Actors.Runtime;

/// <summary>
/// Base of every actor. The runtime calls <see cref="ReceiveAsync"/> with one message at a time, in mailbox order, and
/// does not take the next message before the returned task completes, so an actor's state needs no locks.
/// A handler that throws is supervised (see <see cref="Supervision.SupervisionOptions"/>): a restart creates a new
/// instance from <see cref="Props.Factory"/>, so state that must survive a restart lives outside the instance.
/// </summary>
public abstract class Actor
{
    private IActorContext? _context;

    /// <summary>The actor's view of the runtime: itself, the current sender, children, watches.</summary>
    protected IActorContext Context => _context ?? throw new InvalidOperationException("the actor has not been started by an actor system");

    /// <summary>Handles one message.</summary>
    protected abstract Task ReceiveAsync(IMessage message);

    /// <summary>Runs before the first message of each instance (first start and every restart).</summary>
    protected virtual Task OnStartedAsync() => Task.CompletedTask;

    /// <summary>Runs when the instance is discarded: the actor stops, or it is about to be replaced after a failure.</summary>
    protected virtual Task OnStoppedAsync() => Task.CompletedTask;

    internal void Attach(IActorContext context) => _context = context;

    internal Task InvokeReceiveAsync(IMessage message) => ReceiveAsync(message);

    internal Task InvokeStartedAsync() => OnStartedAsync();

    internal Task InvokeStoppedAsync() => OnStoppedAsync();
}
