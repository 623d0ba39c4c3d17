using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf;
using R2ec.Actors.Addressing;
using R2ec.Actors.Events;
using R2ec.Actors.Supervision;
using Serilog;

namespace R2ec.Actors.Runtime;

/// <summary>
/// The runtime side of one actor: its mailbox, the loop that hands it one message at a time, its children, watchers
/// and supervision. It outlives restarts, so references to it stay valid; after it stops, messages become dead letters.
/// System messages (stop, restart, a child's escalation) have their own unbounded queue and go before user messages.
/// </summary>
internal sealed class ActorCell : ActorRefBase, IActorContext, ILocalReceiver
{
    private readonly ActorCell? _parent;
    private readonly Props _props;
    private readonly Channel<Envelope> _mailbox;
    private readonly ConcurrentQueue<SystemMessage> _systemMailbox = new();
    // One pending wake-up at most: the loop waits on this alone, so idle waits leave no waiters behind.
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<string, ActorCell> _children = new(StringComparer.Ordinal);
    private readonly Lock _watchGate = new();
    private readonly Lock _childrenGate = new();
    private readonly HashSet<ActorAddress> _watchers = [];
    private readonly Queue<DateTimeOffset> _failures = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Actor? _actor;
    private Envelope? _current;
    private bool _terminated, _stopping, _suspended, _stopSelf;

    public ActorCell(ActorSystem system, ActorCell? parent, ActorAddress address, Props props) : base(system, address)
    {
        _parent = parent;
        _props = props;
        Log = system.Log.ForContext("ActorPath", address.Path);
        _mailbox = props.MailboxCapacity is { } capacity
            ? Channel.CreateBounded<Envelope>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait })
            : Channel.CreateUnbounded<Envelope>();
    }

    public IActorRef Self => this;

    public IActorRef? Parent => _parent;

    public IActorRef? Sender => _current?.Sender is { } sender ? System.Resolve(sender) : null;

    public string MessageId => _current?.MessageId ?? "";

    public bool Redelivered => _current?.Redelivered ?? false;

    public ILogger Log { get; }

    public void Start() => _ = Task.Run(RunAsync);

    public IActorRef Spawn(string name, Props props) => SpawnChild(name, props);

    public ActorCell SpawnChild(string name, Props props)
    {
        props.Supervision.Validate();
        if (props.MailboxCapacity is < 1)
            throw new ArgumentException($"mailbox capacity of {Address.Path}/{name} must be at least 1 (got {props.MailboxCapacity})", nameof(props));
        var child = new ActorCell(System, this, Address.Child(name), props);
        // Under the gate so a stop either sees the new child or refuses it, never misses it.
        lock (_childrenGate)
        {
            if (_stopping)
                throw new InvalidOperationException($"{Address.Path} is stopping and cannot start child '{name}'");
            if (!_children.TryAdd(name, child))
                throw new InvalidOperationException($"actor {child.Address.Path} is already running");
        }
        try
        {
            System.Register(child);
        }
        catch
        {
            _children.TryRemove(new KeyValuePair<string, ActorCell>(name, child));
            throw;
        }
        child.Start();
        return child;
    }

    public void Watch(IActorRef actor) => System.Watch(actor.Address, Address);

    public void Unwatch(IActorRef actor) => System.Unwatch(actor.Address, Address);

    public void Reply(IMessage message)
    {
        if (_current?.Sender is { } sender)
            System.Tell(sender, message, Address, _current.MessageId);
        else
            System.Undeliverable(Address, new Envelope(message, Address, ActorSystem.NewMessageId()), "reply to a message without sender");
    }

    public void StopSelf() => _stopSelf = true;

    public void JoinPool(ActorAddress pool) => System.JoinPool(pool, this);

    public void Subscribe(ActorAddress topic) => System.Subscribe(topic, this);

    public ValueTask EnqueueAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        if (!_mailbox.Writer.TryWrite(envelope)) return WaitForRoomAsync(envelope, cancellationToken);
        Ring();
        return default;
    }

    /// <summary>Adds a watcher unless the actor has already terminated (then the caller sends Terminated itself).</summary>
    public bool AddWatcher(ActorAddress watcher)
    {
        lock (_watchGate)
            return !_terminated && _watchers.Add(watcher);
    }

    public void RemoveWatcher(ActorAddress watcher)
    {
        lock (_watchGate) _watchers.Remove(watcher);
    }

    /// <summary>Asks the actor to stop (draining for <paramref name="drain"/> when given); completes when it has.</summary>
    public Task RequestStop(TimeSpan? drain, string reason)
    {
        var deadline = drain is { } d ? DateTimeOffset.UtcNow + d : (DateTimeOffset?)null;
        Post(new StopRequest(deadline, reason));
        return _stopped.Task;
    }

    private async ValueTask WaitForRoomAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        try
        {
            await _mailbox.Writer.WriteAsync(envelope, cancellationToken).ConfigureAwait(false);
            Ring();
        }
        catch (ChannelClosedException)
        {
            System.Undeliverable(Address, envelope, "actor stopped");
        }
    }

    private void Post(SystemMessage message)
    {
        _systemMailbox.Enqueue(message);
        Ring();
    }

    private void Ring() => _doorbell.Writer.TryWrite(true);

    private async Task RunAsync()
    {
        try
        {
            await StartInstanceAsync(null);
            while (!_terminated)
            {
                if (_systemMailbox.TryDequeue(out var system))
                    await HandleSystemAsync(system);
                else if (!_suspended && !_stopping && _mailbox.Reader.TryRead(out var envelope))
                {
                    await InvokeAsync(envelope);
                    if (_stopSelf) await StopCoreAsync(null, "stopped itself", null);
                }
                else
                    await _doorbell.Reader.ReadAsync();
            }
        }
        catch (Exception e)
        {
            // Only a runtime bug gets here; the actor is lost, so say so loudly and release whoever waits on it.
            Log.Fatal(e, "Actor {ActorPath} loop crashed", Address.Path);
            _stopped.TrySetException(e);
        }
    }

    private async Task HandleSystemAsync(SystemMessage message)
    {
        switch (message)
        {
            case StopRequest stop:
                await StopCoreAsync(stop.Deadline, stop.Reason, null);
                break;
            case RestartRequest restart when !_stopping:
                await StartInstanceAsync(restart);
                break;
            case ChildEscalated escalated when _parent is null:
                Log.Error(escalated.Cause, "Top-level actor {Child} escalated; nothing supervises {ActorPath}, the actor stays stopped",
                    escalated.ChildPath, Address.Path);
                break;
            case ChildEscalated escalated when !_stopping:
                await HandleFailureAsync(new ActorEscalationException(escalated.ChildPath, escalated.Cause));
                break;
        }
    }

    private async Task StartInstanceAsync(RestartRequest? restart)
    {
        try
        {
            var actor = _props.Factory();
            actor.Attach(this);
            await actor.InvokeStartedAsync();
            _actor = actor;
        }
        catch (Exception e)
        {
            await HandleFailureAsync(e);
            return;
        }
        _suspended = false;
        if (_parent is null) return; // the guardian is infrastructure, not an event
        System.Publish(restart is null
            ? new ActorEvent(ActorEventKind.Started, System.Node, Address.Path)
            : new ActorEvent(ActorEventKind.Restarted, System.Node, Address.Path)
            {
                Exception = restart.Cause,
                Attempt = restart.Attempt,
                Delay = restart.Delay,
            });
    }

    private async Task InvokeAsync(Envelope envelope)
    {
        _current = envelope;
        Exception? failure = null;
        try
        {
            await _actor!.InvokeReceiveAsync(envelope.Message);
        }
        catch (Exception e)
        {
            failure = e;
        }
        _current = null;
        // A pool message that failed goes back to its pool for another try; the fabric's delivery limit keeps one that
        // always fails from looping.
        if (failure is null) envelope.Receipt?.Complete();
        else envelope.Receipt?.Return();
        if (failure is not null) await HandleFailureAsync(failure);
    }

    private async Task HandleFailureAsync(Exception failure)
    {
        if (_stopping)
        {
            Log.Error(failure, "Actor {ActorPath} failed while stopping", Address.Path);
            return;
        }
        switch (_props.Supervision.Decider(failure))
        {
            case SupervisionDirective.Stop:
                await StopCoreAsync(null, "stopped after a failure", failure);
                return;
            case SupervisionDirective.Escalate:
                await EscalateAsync(failure);
                return;
        }

        var options = _props.Supervision;
        var now = DateTimeOffset.UtcNow;
        _failures.Enqueue(now);
        while (_failures.Peek() < now - options.RestartWindow)
            _failures.Dequeue();
        if (_failures.Count > options.MaxRestarts)
        {
            await EscalateAsync(failure);
            return;
        }

        var attempt = _failures.Count;
        var delay = options.Backoff(attempt, System.Options.Seed, Address.Path);
        System.Publish(new ActorEvent(ActorEventKind.Failed, System.Node, Address.Path) { Exception = failure, Attempt = attempt, Delay = delay });
        _suspended = true;
        await DiscardInstanceAsync("parent restarting");
        _ = Task.Delay(delay).ContinueWith(_ => Post(new RestartRequest(failure, attempt, delay)),
            CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private async Task EscalateAsync(Exception failure)
    {
        System.Publish(new ActorEvent(ActorEventKind.Escalated, System.Node, Address.Path)
        {
            Exception = failure,
            Other = _parent?.Address.Path,
        });
        await StopCoreAsync(null, "escalated to its parent", failure);
        _parent?.Post(new ChildEscalated(Address.Path, failure));
    }

    /// <summary>Stops children first, then drains or dead-letters the mailbox, then tells watchers.</summary>
    private async Task StopCoreAsync(DateTimeOffset? drainDeadline, string reason, Exception? cause)
    {
        lock (_childrenGate)
        {
            if (_stopping) return;
            _stopping = true;
        }
        System.Fabric.Forget(Address); // no new pool, topic or queued actor messages while draining
        await Task.WhenAll(_children.Values.Select(c => c.RequestStop(drainDeadline - DateTimeOffset.UtcNow, "parent stopping")));
        _mailbox.Writer.TryComplete();
        while (_mailbox.Reader.TryRead(out var envelope))
        {
            if (_actor is not null && !_suspended && DateTimeOffset.UtcNow < drainDeadline)
                await InvokeAsync(envelope);
            else
                System.Undeliverable(Address, envelope, "actor stopped");
        }
        await DiscardInstanceAsync(reason);
        // The fabric first, so that a successor under the same path cannot register while the old place is torn down.
        await System.UnregisterFromFabricAsync(this);
        System.Unregister(this);
        System.ForgetRemoteWatches(Address);
        ActorAddress[] watchers;
        lock (_watchGate)
        {
            _terminated = true;
            watchers = [.. _watchers];
        }
        if (_parent is not null)
        {
            System.Publish(new ActorEvent(ActorEventKind.Stopped, System.Node, Address.Path) { Reason = reason, Exception = cause });
            _parent._children.TryRemove(new KeyValuePair<string, ActorCell>(Address.Name, this));
        }
        foreach (var watcher in watchers)
        {
            System.SendTerminated(watcher, Address, reason);
            System.Publish(new ActorEvent(ActorEventKind.Terminated, System.Node, Address.Path) { Other = watcher.ToString(), Reason = reason });
        }
        _stopped.TrySetResult();
    }

    /// <summary>Stops the children at once and lets the current instance clean up.</summary>
    private async Task DiscardInstanceAsync(string childReason)
    {
        await Task.WhenAll(_children.Values.Select(c => c.RequestStop(null, childReason)));
        if (_actor is not { } actor) return;
        _actor = null;
        try
        {
            await actor.InvokeStoppedAsync();
        }
        catch (Exception e)
        {
            Log.Error(e, "Actor {ActorPath} failed in OnStoppedAsync", Address.Path);
        }
    }

    private abstract record SystemMessage;

    private sealed record StopRequest(DateTimeOffset? Deadline, string Reason) : SystemMessage;

    private sealed record RestartRequest(Exception Cause, int Attempt, TimeSpan Delay) : SystemMessage;

    private sealed record ChildEscalated(string ChildPath, Exception Cause) : SystemMessage;
}
