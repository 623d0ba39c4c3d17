using System.Collections.Concurrent;
using R2ec.Actors.Addressing;
using R2ec.Actors.Protocol;
using R2ec.Actors.Runtime;
using R2ec.Actors.Serialization;

namespace R2ec.Actors.Fabric;

/// <summary>
/// A fabric between actor systems of one process. With a <see cref="MessageSerializer"/> it encodes and decodes every
/// message it carries (the test mode), so a message that could not cross machines fails at the sender here already.
/// Pools behave like a broker queue with per-consumer prefetch and acknowledgement, by the at-least-once rule of
/// <see cref="IFabric"/>: a member holds at most its prefetch of unfinished messages; one it returns (its handler threw,
/// or it stopped first) or that its node loses goes to the front of the pool and is delivered again, marked
/// redelivered, until it was returned more than the delivery limit times; then it is a dead letter of the node that
/// returned it last (of its sender's node when that node is gone). Pool messages wait while a pool has no member. When
/// a node is detached, the watchers of its actors on other nodes receive <see cref="Terminated"/>.
/// <para>Without a serializer, sender and receivers share one message instance: treat messages as immutable once sent.</para>
/// </summary>
public sealed class InMemoryFabric : IFabric
{
    private readonly MessageSerializer? _serializer;
    private readonly int _deliveryLimit;
    private readonly ConcurrentDictionary<string, IFabricNode> _nodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PoolQueue> _pools = new(StringComparer.Ordinal);
    private readonly Lock _topicsGate = new();
    private readonly Dictionary<string, List<ActorAddress>> _topics = new(StringComparer.Ordinal);
    // Watches across nodes, so the watchers hear of a node that is lost as a whole.
    private readonly ConcurrentDictionary<(ActorAddress Target, ActorAddress Watcher), byte> _remoteWatches = new();

    /// <summary>Creates a fabric; with a serializer every carried message round-trips through it.</summary>
    /// <param name="serializer">Encodes and decodes every carried message when given.</param>
    /// <param name="deliveryLimit">How many times a pool message may be returned before it is dead-lettered.</param>
    public InMemoryFabric(MessageSerializer? serializer = null, int deliveryLimit = IFabric.DefaultDeliveryLimit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deliveryLimit);
        _serializer = serializer;
        _deliveryLimit = deliveryLimit;
    }

    /// <inheritdoc />
    public void Attach(IFabricNode node)
    {
        if (!_nodes.TryAdd(node.Node, node))
            throw new InvalidOperationException($"node '{node.Node}' is already attached to the fabric");
    }

    /// <inheritdoc />
    public void Detach(string node)
    {
        _nodes.TryRemove(node, out _);
        foreach (var (target, watcher) in _remoteWatches.Keys.Where(k => k.Target.Node == node))
            if (_remoteWatches.TryRemove((target, watcher), out _))
                _ = DeliverAsync(watcher, ActorSystem.TerminatedEnvelope(target, $"node '{node}' left the fabric"), default);
        foreach (var pool in _pools.Values)
            pool.RemoveNode(node);
        lock (_topicsGate)
            foreach (var subscribers in _topics.Values)
                subscribers.RemoveAll(s => s.Node == node);
    }

    /// <inheritdoc />
    public async ValueTask<bool> SendAsync(ActorAddress target, Envelope envelope, CancellationToken cancellationToken)
    {
        if (target.IsPool)
        {
            Pool(target).Enqueue(Cross(target, envelope));
            return true;
        }
        if (target.IsTopic)
        {
            ActorAddress[] subscribers;
            lock (_topicsGate)
                subscribers = _topics.TryGetValue(target.Path, out var list) ? [.. list] : [];
            if (subscribers.Length == 0) Cross(target, envelope); // still refuse what could not cross
            foreach (var subscriber in subscribers) // a copy each, as separate machines would get
                await DeliverAsync(subscriber, Cross(subscriber, envelope), cancellationToken).ConfigureAwait(false);
            return true;
        }
        if (envelope.Message is Terminated terminated && envelope.Sender is { } stopped && terminated.Actor == stopped.ToString())
            _remoteWatches.TryRemove((stopped, target), out _);
        return await DeliverAsync(target, Cross(target, envelope), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void JoinPool(ActorAddress pool, ActorAddress member, int prefetch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1);
        if (!pool.IsPool) throw new ArgumentException($"{pool} is not a pool address", nameof(pool));
        Pool(pool).Join(member, prefetch);
    }

    /// <inheritdoc />
    public void Subscribe(ActorAddress topic, ActorAddress subscriber)
    {
        if (!topic.IsTopic) throw new ArgumentException($"{topic} is not a topic address", nameof(topic));
        lock (_topicsGate)
        {
            if (!_topics.TryGetValue(topic.Path, out var list)) _topics[topic.Path] = list = [];
            if (!list.Contains(subscriber)) list.Add(subscriber);
        }
    }

    /// <inheritdoc />
    /// <remarks>Nothing to do in memory: a message goes straight into the actor's mailbox, or is a dead letter when there is none.</remarks>
    public void Register(ActorAddress actor)
    {
    }

    /// <inheritdoc />
    /// <remarks>Nothing to do in memory: the actor system already turned what was left in the mailbox into dead letters.</remarks>
    public Task UnregisterAsync(ActorAddress actor) => Task.CompletedTask;

    /// <inheritdoc />
    public void Forget(ActorAddress member)
    {
        foreach (var pool in _pools.Values)
            pool.Leave(member);
        lock (_topicsGate)
            foreach (var subscribers in _topics.Values)
                subscribers.Remove(member);
    }

    /// <inheritdoc />
    public void Watch(ActorAddress target, ActorAddress watcher)
    {
        if (_nodes.TryGetValue(target.Node, out var node))
        {
            _remoteWatches[(target, watcher)] = 0;
            node.AddWatcher(target.Path, watcher);
        }
        else
            _ = DeliverAsync(watcher, ActorSystem.TerminatedEnvelope(target, $"node '{target.Node}' is not attached to the fabric"), default);
    }

    /// <inheritdoc />
    public void Unwatch(ActorAddress target, ActorAddress watcher)
    {
        _remoteWatches.TryRemove((target, watcher), out _);
        if (_nodes.TryGetValue(target.Node, out var node))
            node.RemoveWatcher(target.Path, watcher);
    }

    private PoolQueue Pool(ActorAddress pool) => _pools.GetOrAdd(pool.Path, _ => new PoolQueue(this, pool));

    private Envelope Cross(ActorAddress target, Envelope envelope) =>
        _serializer is null ? envelope : _serializer.RoundTrip(target, envelope);

    private async ValueTask<bool> DeliverAsync(ActorAddress target, Envelope envelope, CancellationToken cancellationToken)
    {
        if (!_nodes.TryGetValue(target.Node, out var node)) return false;
        await node.DeliverAsync(target, envelope, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>A pool message gave up on: a dead letter of the last member's node, or of its sender's node when that one is gone.</summary>
    private void DeadLetter(ActorAddress pool, ActorAddress member, Envelope envelope, int returns)
    {
        if (_nodes.TryGetValue(member.Node, out var node) || (envelope.Sender is { } sender && _nodes.TryGetValue(sender.Node, out node)))
            node.DeadLetter(pool, envelope, $"returned {returns} times, past the delivery limit of {_deliveryLimit}");
    }

    /// <summary>One pool: waiting messages, members with their prefetch, and the receipts of unfinished deliveries.</summary>
    private sealed class PoolQueue(InMemoryFabric fabric, ActorAddress address)
    {
        private readonly Lock _gate = new();
        private readonly LinkedList<Waiting> _waiting = new();
        private readonly List<Member> _members = [];
        private readonly HashSet<Receipt> _unfinished = [];
        private int _next;

        public void Enqueue(Envelope envelope)
        {
            lock (_gate) _waiting.AddLast(new Waiting(envelope, 0));
            Dispatch();
        }

        public void Join(ActorAddress address, int prefetch)
        {
            lock (_gate)
                if (!_members.Exists(m => m.Address == address)) _members.Add(new Member(address, prefetch));
            Dispatch();
        }

        public void Leave(ActorAddress address)
        {
            lock (_gate) _members.RemoveAll(m => m.Address == address);
        }

        public void RemoveNode(string node)
        {
            Receipt[] lost;
            lock (_gate)
            {
                _members.RemoveAll(m => m.Address.Node == node);
                lost = _unfinished.Where(r => r.Member.Address.Node == node).ToArray();
            }
            foreach (var receipt in lost)
                receipt.Return();
        }

        private void Dispatch()
        {
            while (true)
            {
                Receipt receipt;
                lock (_gate)
                {
                    var member = _waiting.Count == 0 ? null : NextFreeMember();
                    if (member is null) return;
                    var waiting = _waiting.First!.Value;
                    _waiting.RemoveFirst();
                    member.InFlight++;
                    receipt = new Receipt(this, member, waiting);
                    _unfinished.Add(receipt);
                }
                _ = DeliverAsync(receipt);
            }
        }

        private async Task DeliverAsync(Receipt receipt)
        {
            var delivered = await fabric.DeliverAsync(receipt.Member.Address, receipt.Message.Envelope.WithReceipt(receipt), default)
                .ConfigureAwait(false);
            if (!delivered) receipt.Return();
        }

        // Round-robin over members with room, so consumers share the work; a busy member (prefetch spent) is skipped.
        private Member? NextFreeMember()
        {
            for (var i = 0; i < _members.Count; i++)
            {
                var member = _members[(_next + i) % _members.Count];
                if (member.InFlight >= member.Prefetch) continue;
                _next = (_next + i + 1) % _members.Count;
                return member;
            }
            return null;
        }

        private void Settle(Receipt receipt, bool requeue)
        {
            var (e, returns) = (receipt.Message.Envelope, receipt.Message.Returns + 1);
            var dead = false;
            lock (_gate)
            {
                if (!_unfinished.Remove(receipt)) return; // settled already
                receipt.Member.InFlight--;
                if (requeue && returns > fabric._deliveryLimit)
                    dead = true;
                else if (requeue)
                    _waiting.AddFirst(new Waiting(new Envelope(e.Message, e.Sender, e.MessageId, e.CorrelationId, redelivered: true), returns));
            }
            if (dead) fabric.DeadLetter(address, receipt.Member.Address, e, returns);
            Dispatch();
        }

        /// <summary>A message waiting for a member, with how many times it was returned.</summary>
        private readonly record struct Waiting(Envelope Envelope, int Returns);

        private sealed class Member(ActorAddress address, int prefetch)
        {
            public ActorAddress Address { get; } = address;
            public int Prefetch { get; } = prefetch;
            public int InFlight { get; set; }
        }

        private sealed class Receipt(PoolQueue pool, Member member, Waiting message) : IDeliveryReceipt
        {
            public Member Member { get; } = member;
            public Waiting Message { get; } = message;
            public void Complete() => pool.Settle(this, requeue: false);
            public void Return() => pool.Settle(this, requeue: true);
        }
    }
}
