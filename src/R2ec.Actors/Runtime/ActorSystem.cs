using System.Collections.Concurrent;
using Google.Protobuf;
using R2ec.Actors.Addressing;
using R2ec.Actors.Events;
using R2ec.Actors.Fabric;
using R2ec.Actors.Protocol;
using Serilog;

namespace R2ec.Actors.Runtime;

/// <summary>
/// One node of actors: the <c>/user</c> guardian and its tree, the registry of local paths, dead letters and the
/// lifecycle event log. Every lifecycle event (started, restarted with its exception, escalated, stopped, terminated,
/// dead letter) is written to the Serilog logger with an <c>ActorPath</c> property and published on <see cref="Events"/>.
/// </summary>
public sealed class ActorSystem : IFabricNode, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ILocalReceiver> _receivers = new(StringComparer.Ordinal);
    private readonly ActorCell _guardian;
    private int _shutdown;

    /// <summary>Starts a node named <paramref name="node"/> on <paramref name="fabric"/> (a private in-memory fabric when null).</summary>
    public ActorSystem(string node, ActorSystemOptions? options = null, ILogger? logger = null, IFabric? fabric = null)
    {
        var root = new ActorAddress(node, "/user");
        Node = node;
        Options = options ?? new ActorSystemOptions();
        Log = (logger ?? Serilog.Core.Logger.None).ForContext("Node", node);
        Events = new ActorEventStream(e => Log.Error(e, "An actor event subscriber failed"));
        Fabric = fabric ?? new InMemoryFabric();
        Fabric.Attach(this);
        _guardian = new ActorCell(this, null, root, new Props(static () => new Guardian()));
        Register(_guardian);
        _guardian.Start();
    }

    /// <summary>The node's name.</summary>
    public string Node { get; }

    /// <summary>The system's settings.</summary>
    public ActorSystemOptions Options { get; }

    /// <summary>Lifecycle events of this node's actors, for tests and monitors.</summary>
    public ActorEventStream Events { get; }

    /// <summary>The fabric this node is attached to.</summary>
    public IFabric Fabric { get; }

    internal ILogger Log { get; }

    /// <summary>Starts a top-level actor at <c>/user/name</c>.</summary>
    /// <exception cref="InvalidOperationException">A live actor has that name, or the system is shutting down.</exception>
    public IActorRef Spawn(string name, Props props) => _guardian.SpawnChild(name, props);

    /// <summary>A reference to any address: a live local actor, an actor of another node, a pool or a topic.</summary>
    public IActorRef Resolve(ActorAddress address) =>
        address.Node == Node && _receivers.TryGetValue(address.Path, out var receiver) && receiver is ActorCell cell
            ? cell
            : new AddressRef(this, address);

    /// <summary>Adds <paramref name="member"/> to a pool of competing consumers.</summary>
    public void JoinPool(ActorAddress pool, IActorRef member, int prefetch = 1) => Fabric.JoinPool(pool, member.Address, prefetch);

    /// <summary>Subscribes <paramref name="subscriber"/> to a broadcast topic.</summary>
    public void Subscribe(ActorAddress topic, IActorRef subscriber) => Fabric.Subscribe(topic, subscriber.Address);

    /// <summary>
    /// Stops a local actor: its children first, then, with a <paramref name="drain"/> time, the messages already in its
    /// mailbox are handled until the mailbox is empty or the time is up (checked between messages); what is left
    /// becomes dead letters (pool messages go back to their pool). Completes when the actor has stopped.
    /// </summary>
    /// <exception cref="ArgumentException">The actor is not a local actor of this system.</exception>
    public Task StopAsync(IActorRef actor, TimeSpan? drain = null)
    {
        if (actor is not ActorCell cell || !ReferenceEquals(cell.System, this))
            throw new ArgumentException($"{actor.Address} is not a local actor of node '{Node}'", nameof(actor));
        return cell.RequestStop(drain, "stopped by request");
    }

    /// <summary>Graceful shutdown: stops every actor (children before parents), draining mailboxes until the deadline, then leaves the fabric.</summary>
    public async Task ShutdownAsync(TimeSpan drain)
    {
        if (Interlocked.Exchange(ref _shutdown, 1) == 1) return;
        await _guardian.RequestStop(drain, "system shutdown").ConfigureAwait(false);
        Fabric.Detach(Node);
    }

    /// <summary>Shuts down without draining.</summary>
    public async ValueTask DisposeAsync() => await ShutdownAsync(TimeSpan.Zero).ConfigureAwait(false);

    string IFabricNode.Node => Node;

    ValueTask IFabricNode.DeliverAsync(ActorAddress target, Envelope envelope, CancellationToken cancellationToken) =>
        DeliverLocalAsync(target, envelope, cancellationToken);

    void IFabricNode.AddWatcher(string path, ActorAddress watcher) => AddWatcher(path, watcher);

    void IFabricNode.RemoveWatcher(string path, ActorAddress watcher)
    {
        if (_receivers.TryGetValue(path, out var receiver) && receiver is ActorCell cell) cell.RemoveWatcher(watcher);
    }

    internal void Tell(ActorAddress target, IMessage message, ActorAddress? sender, string? correlationId = null) =>
        Wait(SendAsync(target, message, sender, correlationId, default));

    internal ValueTask SendAsync(ActorAddress target, IMessage message, ActorAddress? sender, string? correlationId,
        CancellationToken cancellationToken) =>
        DeliverAsync(target, new Envelope(message, sender, NewMessageId(), correlationId), cancellationToken);

    internal async Task<TReply> AskAsync<TReply>(ActorAddress target, IMessage message, TimeSpan timeout, CancellationToken cancellationToken)
        where TReply : IMessage
    {
        var id = NewMessageId();
        var path = "/temp/ask-" + id;
        var receiver = new AskReceiver();
        _receivers[path] = receiver;
        try
        {
            await DeliverAsync(target, new Envelope(message, new ActorAddress(Node, path), id), cancellationToken).ConfigureAwait(false);
            IMessage reply;
            try
            {
                reply = await receiver.Reply.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException(
                    $"ask {message.Descriptor.FullName} to {target.Path} on node '{target.Node}' got no reply within {timeout.TotalMilliseconds:0} ms");
            }
            return reply is TReply typed
                ? typed
                : throw new InvalidCastException(
                    $"ask {message.Descriptor.FullName} to {target.Path}: expected a {typeof(TReply).Name} reply, got {reply.Descriptor.FullName}");
        }
        finally
        {
            _receivers.TryRemove(path, out _);
        }
    }

    internal void Watch(ActorAddress target, ActorAddress watcher)
    {
        if (target.IsPool || target.IsTopic)
            throw new ArgumentException($"{target} is a pool or topic; only actors can be watched", nameof(target));
        if (target.Node == Node) AddWatcher(target.Path, watcher);
        else Fabric.Watch(target, watcher);
    }

    internal void Unwatch(ActorAddress target, ActorAddress watcher)
    {
        if (target.Node != Node) Fabric.Unwatch(target, watcher);
        else ((IFabricNode)this).RemoveWatcher(target.Path, watcher);
    }

    internal void SendTerminated(ActorAddress watcher, ActorAddress stopped) =>
        Observe(DeliverAsync(watcher, new Envelope(new Terminated { Actor = stopped.ToString() }, stopped, NewMessageId()), default));

    internal void Register(ActorCell cell)
    {
        if (!_receivers.TryAdd(cell.Address.Path, cell))
            throw new InvalidOperationException($"actor {cell.Address.Path} is already running on node '{Node}'");
    }

    internal void Unregister(ActorCell cell) => _receivers.TryRemove(new KeyValuePair<string, ILocalReceiver>(cell.Address.Path, cell));

    /// <summary>A message that found no live receiver: a pool message goes back to its pool, anything else is a dead letter.</summary>
    internal void Undeliverable(ActorAddress target, Envelope envelope, string reason)
    {
        if (envelope.Receipt is { } receipt)
        {
            receipt.Return();
            return;
        }
        Publish(new ActorEvent(ActorEventKind.DeadLetter, target.Node, target.Path)
        {
            MessageType = envelope.Message.Descriptor.FullName,
            Other = envelope.Sender?.ToString(),
            Reason = reason,
        });
    }

    /// <summary>Logs a lifecycle event with its actor's path and publishes it.</summary>
    internal void Publish(ActorEvent e)
    {
        switch (e.Kind)
        {
            case ActorEventKind.Started:
                Log.Information("Actor {ActorPath} started", e.Path);
                break;
            case ActorEventKind.Failed:
                Log.Warning(e.Exception, "Actor {ActorPath} failed; restart {Attempt} in {BackoffMs} ms", e.Path, e.Attempt,
                    Math.Round(e.Delay.TotalMilliseconds));
                break;
            case ActorEventKind.Restarted:
                Log.Information(e.Exception, "Actor {ActorPath} restarted (attempt {Attempt}) after a backoff of {BackoffMs} ms", e.Path, e.Attempt,
                    Math.Round(e.Delay.TotalMilliseconds));
                break;
            case ActorEventKind.Escalated:
                Log.Error(e.Exception, "Actor {ActorPath} escalated its failure to {Parent}", e.Path, e.Other);
                break;
            case ActorEventKind.Stopped:
                Log.Information(e.Exception, "Actor {ActorPath} stopped: {Reason}", e.Path, e.Reason);
                break;
            case ActorEventKind.Terminated:
                Log.Debug("Watcher {Watcher} told that {ActorPath} terminated", e.Other, e.Path);
                break;
            case ActorEventKind.DeadLetter:
                Log.Warning("Dead letter {MessageType} to {ActorPath} from {Sender}: {Reason}", e.MessageType, e.Path, e.Other ?? "no sender",
                    e.Reason);
                break;
        }
        Events.Publish(e);
    }

    internal static string NewMessageId() => Guid.NewGuid().ToString("N");

    /// <summary>
    /// Blocks until a send completes: the back-pressure of <see cref="IActorRef.Tell"/>. The send path never resumes on
    /// the caller's synchronization context, so blocking here cannot deadlock on it.
    /// </summary>
    internal static void Wait(ValueTask send)
    {
        if (!send.IsCompletedSuccessfully) send.AsTask().GetAwaiter().GetResult();
    }

    private async ValueTask DeliverAsync(ActorAddress target, Envelope envelope, CancellationToken cancellationToken)
    {
        if (target.Node != Node)
        {
            if (!await Fabric.SendAsync(target, envelope, cancellationToken).ConfigureAwait(false))
                Undeliverable(target, envelope, $"no route to node '{target.Node}'");
            return;
        }
        if (Options.Serializer is { } serializer)
            envelope = serializer.RoundTrip(target, envelope);
        await DeliverLocalAsync(target, envelope, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask DeliverLocalAsync(ActorAddress target, Envelope envelope, CancellationToken cancellationToken)
    {
        if (_receivers.TryGetValue(target.Path, out var receiver))
            return receiver.EnqueueAsync(envelope, cancellationToken);
        Undeliverable(target, envelope, "no live actor at this path (stopped or never started)");
        return default;
    }

    private void AddWatcher(string path, ActorAddress watcher)
    {
        var target = new ActorAddress(Node, path);
        if (!(_receivers.TryGetValue(path, out var receiver) && receiver is ActorCell cell && cell.AddWatcher(watcher)))
            SendTerminated(watcher, target);
    }

    private void Observe(ValueTask send)
    {
        if (send.IsCompletedSuccessfully) return;
        _ = send.AsTask().ContinueWith(t => Log.Error(t.Exception, "Sending a system message failed"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private sealed class Guardian : Actor
    {
        protected override Task ReceiveAsync(IMessage message) => Task.CompletedTask;
    }
}
