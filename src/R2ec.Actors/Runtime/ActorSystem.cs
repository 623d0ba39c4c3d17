using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
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
/// dead letter, another node down) is written to the Serilog logger with an <c>ActorPath</c> property and published on <see cref="Events"/>.
/// <para>Death watch across nodes: the system keeps which of its actors watch which actor of another node, so that
/// when a node dies without stopping its actors (<see cref="NodeDown"/>, called by the membership monitor), the
/// watchers still hear <see cref="Terminated"/>. Each such watch ends with exactly one Terminated: a Terminated from
/// another node reaches a watcher only while the watch is open, so one that comes after <c>Unwatch</c>, or after
/// NodeDown already told the watcher, is dropped.</para>
/// </summary>
public sealed class ActorSystem : IFabricNode, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ILocalReceiver> _receivers = new(StringComparer.Ordinal);
    private readonly ActorCell _guardian;
    // Local watchers of actors on other nodes, by watched actor; guarded by _remoteWatchGate.
    private readonly Dictionary<ActorAddress, HashSet<ActorAddress>> _remoteWatches = [];
    private readonly Lock _remoteWatchGate = new();
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

    /// <summary>
    /// Declares another node down (crashed, partitioned away or gone): every local watcher of an actor of that node
    /// receives <see cref="Terminated"/> (with <paramref name="reason"/>) now, whether or not that node ever reports
    /// the actor's stop, and those watches end. A Terminated the node sends later for the same watch is dropped, so no
    /// watcher hears of one actor twice. The node's own name, or a node nobody here watches, changes nothing.
    /// </summary>
    /// <param name="node">The node that is down.</param>
    /// <param name="reason">Why, in words (logged and carried in each Terminated).</param>
    public void NodeDown(string node, string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        if (node == Node) return;
        List<(ActorAddress Target, ActorAddress Watcher)> ended = [];
        lock (_remoteWatchGate)
        {
            foreach (var target in _remoteWatches.Keys.Where(t => t.Node == node).ToArray())
            {
                _remoteWatches.Remove(target, out var watchers);
                ended.AddRange(watchers!.Select(w => (target, w)));
            }
        }
        Publish(new ActorEvent(ActorEventKind.NodeDown, node, "/") { Reason = $"{reason} (watches of its actors terminated: {ended.Count})" });
        var why = $"node '{node}' is down: {reason}";
        foreach (var (target, watcher) in ended)
        {
            Observe(EnqueueLocalAsync(watcher, TerminatedEnvelope(target, why), default));
            Publish(new ActorEvent(ActorEventKind.Terminated, target.Node, target.Path) { Other = watcher.ToString(), Reason = why });
        }
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

    void IFabricNode.DeadLetter(ActorAddress target, Envelope envelope, string reason) => DeadLetter(target, envelope, reason);

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
        if (target.Node == Node)
        {
            AddWatcher(target.Path, watcher);
            return;
        }
        // Recorded before the fabric is asked, so a Terminated the fabric sends at once (no such node) finds the watch open.
        lock (_remoteWatchGate)
        {
            if (!_remoteWatches.TryGetValue(target, out var watchers)) _remoteWatches[target] = watchers = [];
            watchers.Add(watcher);
        }
        Fabric.Watch(target, watcher);
    }

    internal void Unwatch(ActorAddress target, ActorAddress watcher)
    {
        if (target.Node == Node)
        {
            ((IFabricNode)this).RemoveWatcher(target.Path, watcher);
            return;
        }
        CloseRemoteWatch(target, watcher);
        Fabric.Unwatch(target, watcher);
    }

    /// <summary>Forgets the remote watches of a local actor that stopped: a Terminated that comes for them later is dropped.</summary>
    internal void ForgetRemoteWatches(ActorAddress watcher)
    {
        lock (_remoteWatchGate)
        {
            if (_remoteWatches.Count == 0) return;
            foreach (var (target, watchers) in _remoteWatches.ToArray())
                if (watchers.Remove(watcher) && watchers.Count == 0)
                    _remoteWatches.Remove(target);
        }
    }

    internal void SendTerminated(ActorAddress watcher, ActorAddress stopped, string reason) =>
        Observe(DeliverAsync(watcher, TerminatedEnvelope(stopped, reason), default));

    internal static Envelope TerminatedEnvelope(ActorAddress stopped, string reason) =>
        new(new Terminated { Actor = stopped.ToString(), Reason = reason }, stopped, NewMessageId());

    /// <summary>
    /// Makes a new actor reachable: in the local registry, and (every actor but the guardian) in the fabric, which may
    /// start handing it messages that waited for it at once; its mailbox takes them before the actor starts.
    /// </summary>
    internal void Register(ActorCell cell)
    {
        if (!_receivers.TryAdd(cell.Address.Path, cell))
            throw new InvalidOperationException($"actor {cell.Address.Path} is already running on node '{Node}'");
        if (ReferenceEquals(cell, _guardian)) return;
        try
        {
            Fabric.Register(cell.Address);
        }
        catch
        {
            Unregister(cell);
            throw;
        }
    }

    internal void Unregister(ActorCell cell) => _receivers.TryRemove(new KeyValuePair<string, ILocalReceiver>(cell.Address.Path, cell));

    /// <summary>Tells the fabric that an actor (not the guardian) stopped for good; a fabric failure is logged, the stop goes on.</summary>
    internal async Task UnregisterFromFabricAsync(ActorCell cell)
    {
        if (ReferenceEquals(cell, _guardian)) return;
        try
        {
            await Fabric.UnregisterAsync(cell.Address).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.Error(e, "The fabric failed to unregister {ActorPath}", cell.Address.Path);
        }
    }

    /// <summary>
    /// A message that found no live receiver: one with a receipt (a pool message; over a broker, an actor message too)
    /// goes back to its fabric, which delivers it again or dead-letters it; anything else is a dead letter.
    /// </summary>
    internal void Undeliverable(ActorAddress target, Envelope envelope, string reason)
    {
        if (envelope.Receipt is { } receipt)
        {
            receipt.Return();
            return;
        }
        DeadLetter(target, envelope, reason);
    }

    private void DeadLetter(ActorAddress target, Envelope envelope, string reason) =>
        Publish(new ActorEvent(ActorEventKind.DeadLetter, target.Node, target.Path)
        {
            MessageType = envelope.Message.Descriptor.FullName,
            Other = envelope.Sender?.ToString(),
            Reason = reason,
        });

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
                Log.Debug("Watcher {Watcher} told that {ActorPath} on node {TargetNode} terminated", e.Other, e.Path, e.Node);
                break;
            case ActorEventKind.NodeDown:
                Log.Warning("Node {DownNode} is down: {Reason}", e.Node, e.Reason);
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
        if (IsRemoteTerminated(envelope, out var stopped) && !CloseRemoteWatch(stopped, target))
        {
            Log.Debug("Dropped a Terminated of {Stopped} for {Watcher}: the watch had already ended (unwatched or node down)", stopped, target);
            envelope.Receipt?.Complete(); // done with, so a fabric that waits for it lets it go
            return default;
        }
        return EnqueueLocalAsync(target, envelope, cancellationToken);
    }

    private ValueTask EnqueueLocalAsync(ActorAddress target, Envelope envelope, CancellationToken cancellationToken)
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
            SendTerminated(watcher, target, "not running");
    }

    private bool IsRemoteTerminated(Envelope envelope, [NotNullWhen(true)] out ActorAddress? stopped)
    {
        stopped = envelope.Sender;
        return envelope.Message is Terminated terminated && stopped is not null && stopped.Node != Node && terminated.Actor == stopped.ToString();
    }

    /// <summary>Ends a watch of an actor of another node; false when it was not open.</summary>
    private bool CloseRemoteWatch(ActorAddress target, ActorAddress watcher)
    {
        lock (_remoteWatchGate)
        {
            if (!_remoteWatches.TryGetValue(target, out var watchers) || !watchers.Remove(watcher)) return false;
            if (watchers.Count == 0) _remoteWatches.Remove(target);
            return true;
        }
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
