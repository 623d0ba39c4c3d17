using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using R2ec.Actors.Addressing;
using R2ec.Actors.Protocol;
using R2ec.Actors.Runtime;
using R2ec.Actors.Serialization;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Serilog;

namespace R2ec.Actors.Fabric.RabbitMq;

/// <summary>
/// A fabric over a RabbitMQ broker, with the semantics of <see cref="InMemoryFabric"/> so the same actors run on either:
/// <list type="bullet">
/// <item>each named actor (a path under <c>/user</c>, registered by its actor system) has a durable queue, bound to the
/// job's node exchange by node and path and consumed with a small prefetch (<see cref="RabbitMqFabricOptions.ActorPrefetch"/>);
/// a message is acknowledged only once its handler has run, by the same receipt rule as pools (one the handler threw on,
/// or that the actor did not get to, goes to the back of the actor's queue marked redelivered, and to the dead-letter
/// queue past the delivery limit), so messages survive a crash of their node and wait for it to come back under the
/// same name. A repeat of a message the actor already handled (a lost acknowledgement or confirm) is dropped by id
/// within a window (<see cref="MessageDeduplicator"/>). An actor that stops for good loses its queue: what waited in it
/// goes to the dead-letter queue, each a dead letter of the node;</item>
/// <item>each node has a durable queue (bound to the node exchange by its name) carrying death-watch requests, Ask
/// replies and messages for actors without a queue (stopped or never started: the node records them as dead letters);
/// those are acknowledged once in a mailbox. A send to a node without a queue has no route and becomes a dead letter at the sender;</item>
/// <item>each pool is one durable work queue; every member consumes it on its own channel with its own prefetch,
/// so faster members take more work, and acknowledges a message only when its handler has run without throwing
/// (at-least-once, by the rule of <see cref="IFabric"/>). A message a member returns (its handler threw, or it stopped
/// before handling it) or that the broker redelivers (its consumer's connection died) is published to the back of the
/// pool again with its count of returns, and after <see cref="RabbitMqFabricOptions.DeliveryLimit"/> returns it goes to
/// the job's dead-letter queue instead (and is a dead letter of the member's node). Either way the next member sees it
/// marked redelivered;</item>
/// <item>each topic subscriber has a durable queue bound to the job's topic exchange, so a broadcast reaches every subscriber.</item>
/// </list>
/// Every publish is persistent and waits for the broker's confirm, retrying while the broker is unreachable; the
/// connection and its topology recover by themselves. Delivery is at-least-once: a message can arrive twice (a lost
/// acknowledgement or confirm), so handlers drop repeats by <see cref="Envelope.MessageId"/> (see <see cref="MessageDeduplicator"/>).
/// The interface's synchronous methods (attach, join, subscribe) wait for the broker.
/// </summary>
public sealed class RabbitMqFabric : IFabric, IAsyncDisposable
{
    private const string ControlHeader = "r2ec-control";
    private const string ReturnsHeader = "r2ec-returns";
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(50);
    private readonly RabbitMqFabricOptions _options;
    private readonly MessageSerializer _serializer;
    private readonly ILogger _log;
    private readonly IConnection _connection;
    private readonly Channel<IChannel> _publishers;
    private readonly RabbitMqNames _names;
    private readonly ConcurrentDictionary<string, NodeLink> _nodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _declaredPools = new(StringComparer.Ordinal);
    private int _disposed;

    private RabbitMqFabric(RabbitMqFabricOptions options, MessageSerializer serializer, ILogger log, IConnection connection,
        Channel<IChannel> publishers, RabbitMqNames names)
    {
        _options = options;
        _serializer = serializer;
        _log = log;
        _connection = connection;
        _publishers = publishers;
        _names = names;
    }

    /// <summary>Whether the broker connection is up now (it recovers by itself after a loss).</summary>
    internal bool IsConnected => _connection.IsOpen;

    /// <summary>The queue where messages end that were returned too often or could not be read.</summary>
    public string DeadLetterQueue => _names.DeadLetterQueue;

    /// <summary>
    /// Drops every message waiting in a pool (not those a member holds unacknowledged) and returns how many. A job
    /// driver that resumes after a crash calls it before it sends anything: requests its predecessor left behind
    /// name blobs that no longer exist.
    /// </summary>
    public async Task<uint> PurgePoolAsync(ActorAddress pool, CancellationToken cancellationToken = default)
    {
        if (!pool.IsPool)
            throw new ArgumentException($"{pool} is not a pool", nameof(pool));
        await DeclarePoolAsync(pool);
        uint purged = 0;
        await WithTopologyChannelAsync(async ch => purged = await ch.QueuePurgeAsync(_names.PoolQueue(pool), cancellationToken));
        return purged;
    }

    /// <summary>Connects to the broker and declares the job's exchanges and dead-letter queue.</summary>
    /// <param name="options">Where to connect.</param>
    /// <param name="serializer">Encodes every message; only its registered types can cross.</param>
    /// <param name="logger">Where connection events go (never the password).</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    public static async Task<RabbitMqFabric> ConnectAsync(RabbitMqFabricOptions options, MessageSerializer serializer,
        ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var names = new RabbitMqNames(options.CheckedJob());
        var log = (logger ?? Serilog.Core.Logger.None).ForContext<RabbitMqFabric>();
        var factory = new ConnectionFactory
        {
            HostName = options.HostName,
            Port = options.Port,
            VirtualHost = options.VirtualHost,
            UserName = options.Credentials.UserName,
            Password = options.Credentials.Password,
            RequestedHeartbeat = options.Heartbeat,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = options.RecoveryInterval,
            ClientProvidedName = "r2ec." + options.Job,
            Ssl = new SslOption(options.TlsServerName ?? options.HostName) { Enabled = options.UseTls },
        };
        log.Information("Connecting to RabbitMQ {Host}:{Port} vhost {VirtualHost} as {User} for job {Job} (TLS {Tls})",
            options.HostName, options.Port, options.VirtualHost, options.Credentials.UserName, options.Job, options.UseTls);
        var connection = await factory.CreateConnectionAsync(cancellationToken);
        try
        {
            var publishers = Channel.CreateBounded<IChannel>(options.PublisherChannels);
            for (var i = 0; i < options.PublisherChannels; i++)
                publishers.Writer.TryWrite(await NewPublisherAsync(connection, cancellationToken));
            var fabric = new RabbitMqFabric(options, serializer, log, connection, publishers, names);
            await fabric.DeclareJobTopologyAsync(cancellationToken);
            connection.ConnectionShutdownAsync += (_, e) =>
            {
                if (Volatile.Read(ref fabric._disposed) == 0)
                    log.Warning("RabbitMQ connection lost ({Initiator} {Code} {Reason}); reconnecting", e.Initiator, e.ReplyCode, e.ReplyText);
                return Task.CompletedTask;
            };
            connection.RecoverySucceededAsync += (_, _) =>
            {
                log.Information("RabbitMQ connection recovered; queues, bindings and consumers restored");
                return Task.CompletedTask;
            };
            connection.ConnectionRecoveryErrorAsync += (_, e) =>
            {
                log.Warning(e.Exception, "RabbitMQ connection recovery attempt failed; retrying");
                return Task.CompletedTask;
            };
            return fabric;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public void Attach(IFabricNode node)
    {
        var link = new NodeLink(node);
        if (!_nodes.TryAdd(node.Node, link))
            throw new InvalidOperationException($"node '{node.Node}' is already attached to the fabric");
        try
        {
            Block(async () =>
            {
                var queue = _names.NodeQueue(node.Node);
                await WithTopologyChannelAsync(async ch =>
                {
                    await ch.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, QueueArguments(expires: true));
                    await ch.QueueBindAsync(queue, _names.NodeExchange, node.Node);
                });
                link.NodeConsumer = await QueueConsumer.StartAsync(_connection, queue, (ushort)_options.NodePrefetch, _log,
                    (consumer, delivery) => OnNodeDeliveryAsync(link, consumer, delivery));
            });
        }
        catch
        {
            _nodes.TryRemove(node.Node, out _);
            throw;
        }
        _log.Information("Node {Node} attached to RabbitMQ job {Job}", node.Node, _options.Job);
    }

    /// <inheritdoc />
    public void Detach(string node)
    {
        if (!_nodes.TryRemove(node, out var link)) return;
        Block(async () =>
        {
            // Closing the channels hands unfinished pool messages back to their pools.
            foreach (var consumer in link.AllConsumers())
                await consumer.CloseAsync();
            try
            {
                await WithTopologyChannelAsync(async ch =>
                {
                    foreach (var queue in link.Subscriptions.Values.Select(c => c.Queue))
                        await ch.QueueDeleteAsync(queue);
                    await ch.QueueDeleteAsync(_names.NodeQueue(node));
                });
            }
            catch (Exception e) when (QueueConsumer.IsConnectionFailure(e))
            {
                // Without a connection the queues stay; they expire once nobody consumes them.
                _log.Warning(e, "Node {Node} left without deleting its queues (no broker connection)", node);
            }
        });
        _log.Information("Node {Node} detached from RabbitMQ job {Job}", node, _options.Job);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Declares the actor's durable queue (it may exist already, left by a crashed predecessor) and starts consuming it;
    /// while the broker is unreachable it waits, as a send would, up to <see cref="RabbitMqFabricOptions.PublishTimeout"/>.
    /// </remarks>
    public void Register(ActorAddress actor)
    {
        var link = LinkOf(actor);
        if (link.Actors.ContainsKey(actor)) return;
        Block(() => WhileUnreachableRetryAsync(async () =>
        {
            var queue = _names.ActorQueue(actor);
            await WithTopologyChannelAsync(async ch =>
            {
                await ch.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, QueueArguments(expires: true));
                await ch.QueueBindAsync(queue, _names.NodeExchange, RabbitMqNames.ActorRoutingKey(actor));
            });
            var consumer = await QueueConsumer.StartAsync(_connection, queue, (ushort)_options.ActorPrefetch, _log,
                (c, delivery) => OnActorDeliveryAsync(link, actor, c, delivery));
            if (!link.Actors.TryAdd(actor, consumer)) await consumer.CloseAsync();
        }, $"Registering {actor}"));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Closes the actor's consumer (its unsettled deliveries, if any, go back to the queue), moves every message left in
    /// the queue to the dead-letter queue, recording each as a dead letter of the node, and deletes the queue. Without a
    /// broker connection (or after <see cref="DisposeAsync"/>, a crash) the queue stays and expires unless the actor comes back.
    /// </remarks>
    public async Task UnregisterAsync(ActorAddress actor)
    {
        if (!_nodes.TryGetValue(actor.Node, out var link) || !link.Actors.TryRemove(actor, out var consumer)) return;
        if (link.Leaving.TryGetValue(actor, out var leaving)) await leaving;
        await consumer.CloseAsync();
        link.Leaving.TryRemove(actor, out _);
        if (Volatile.Read(ref _disposed) == 1) return;
        try
        {
            await WithTopologyChannelAsync(async ch =>
            {
                var left = 0;
                while (await ch.BasicGetAsync(consumer.Queue, autoAck: false) is { } message)
                {
                    if (Read(message.Body, message.BasicProperties, message.Redelivered, consumer.Queue) is (_, { } envelope))
                        link.Node.DeadLetter(actor, envelope, $"actor stopped before handling it; moved to {_names.DeadLetterQueue}");
                    await ch.BasicNackAsync(message.DeliveryTag, multiple: false, requeue: false);
                    left++;
                }
                await ch.QueueDeleteAsync(consumer.Queue);
                if (left > 0)
                    _log.Warning("Actor {Actor} stopped with {Count} messages in its queue; moved to {DeadLetterQueue}", actor, left, _names.DeadLetterQueue);
            });
        }
        catch (Exception e) when (QueueConsumer.IsConnectionFailure(e))
        {
            _log.Warning(e, "Actor {Actor} stopped without deleting its queue (no broker connection); it expires unless the actor comes back", actor);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// A message for a registered actor goes to the actor's queue; for any other path of a node (an Ask reply, a stopped
    /// or unknown actor) to the node's queue, so the node answers with a reply or a dead letter.
    /// </remarks>
    public async ValueTask<bool> SendAsync(ActorAddress target, Envelope envelope, CancellationToken cancellationToken)
    {
        var body = _serializer.Serialize(target, envelope);
        var properties = Persistent(envelope.MessageId, envelope.Message.Descriptor.FullName);
        if (target.IsPool)
        {
            await DeclarePoolAsync(target);
            return await PublishAsync("", _names.PoolQueue(target), mandatory: true, properties, body, cancellationToken);
        }
        if (target.IsTopic)
        {
            // A topic without subscribers drops the message, as a broadcast to nobody should.
            await PublishAsync(_names.TopicExchange, target.Path, mandatory: false, properties, body, cancellationToken);
            return true;
        }
        // Ask replies have no actor queue; anything else tries the actor's first and falls back to the node when unroutable.
        if (!target.Path.StartsWith("/temp/", StringComparison.Ordinal)
            && await PublishAsync(_names.NodeExchange, RabbitMqNames.ActorRoutingKey(target), mandatory: true, properties, body, cancellationToken))
            return true;
        return await PublishAsync(_names.NodeExchange, target.Node, mandatory: true, properties, body, cancellationToken);
    }

    /// <inheritdoc />
    public void JoinPool(ActorAddress pool, ActorAddress member, int prefetch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1);
        if (!pool.IsPool) throw new ArgumentException($"{pool} is not a pool address", nameof(pool));
        var link = LinkOf(member);
        var key = (pool, member);
        if (link.Members.ContainsKey(key)) return;
        Block(async () =>
        {
            await DeclarePoolAsync(pool);
            var consumer = await QueueConsumer.StartAsync(_connection, _names.PoolQueue(pool), (ushort)prefetch, _log,
                (c, delivery) => OnPoolDeliveryAsync(link, member, c, delivery));
            if (!link.Members.TryAdd(key, consumer)) await consumer.CloseAsync();
        });
    }

    /// <inheritdoc />
    public void Subscribe(ActorAddress topic, ActorAddress subscriber)
    {
        if (!topic.IsTopic) throw new ArgumentException($"{topic} is not a topic address", nameof(topic));
        var link = LinkOf(subscriber);
        var key = (topic, subscriber);
        if (link.Subscriptions.ContainsKey(key)) return;
        Block(async () =>
        {
            var queue = _names.SubscriberQueue(topic, subscriber);
            await WithTopologyChannelAsync(async ch =>
            {
                await ch.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, QueueArguments(expires: true));
                await ch.QueueBindAsync(queue, _names.TopicExchange, topic.Path);
            });
            var consumer = await QueueConsumer.StartAsync(_connection, queue, (ushort)_options.NodePrefetch, _log,
                (c, delivery) => OnTopicDeliveryAsync(link, subscriber, c, delivery));
            if (!link.Subscriptions.TryAdd(key, consumer)) await consumer.CloseAsync();
        });
    }

    /// <inheritdoc />
    /// <remarks>
    /// The actor's own queue is unbound (a send now falls back to the node's queue, where the stopping actor's node
    /// takes it or records a dead letter) and its consumer cancelled, without waiting: a delivery that still comes is
    /// held unsettled, goes back to the queue when the channel closes, and is a dead letter when <see cref="UnregisterAsync"/>
    /// removes the queue.
    /// </remarks>
    public void Forget(ActorAddress member)
    {
        if (!_nodes.TryGetValue(member.Node, out var link)) return;
        if (link.Actors.TryGetValue(member, out var own))
            link.Leaving[member] = Task.Run(() => LeaveAsync(member, own));
        var pools = link.Members.Keys.Where(k => k.Member == member).ToArray();
        var topics = link.Subscriptions.Keys.Where(k => k.Subscriber == member).ToArray();
        if (pools.Length == 0 && topics.Length == 0) return;
        Block(async () =>
        {
            foreach (var key in pools)
                if (link.Members.TryRemove(key, out var consumer))
                    await consumer.CancelAsync();
            foreach (var key in topics)
                if (link.Subscriptions.TryRemove(key, out var consumer))
                {
                    await consumer.CloseAsync();
                    try
                    {
                        await WithTopologyChannelAsync(ch => ch.QueueDeleteAsync(consumer.Queue));
                    }
                    catch (Exception e) when (QueueConsumer.IsConnectionFailure(e))
                    {
                        // A stopping actor must stop whatever the broker does; the queue expires unconsumed.
                        _log.Warning(e, "Subscription queue {Queue} of {Member} not deleted (no broker connection)", consumer.Queue, member);
                    }
                }
        });
    }

    private async Task LeaveAsync(ActorAddress actor, QueueConsumer consumer)
    {
        try
        {
            await WithTopologyChannelAsync(ch => ch.QueueUnbindAsync(consumer.Queue, _names.NodeExchange, RabbitMqNames.ActorRoutingKey(actor)));
        }
        catch (Exception e) when (QueueConsumer.IsConnectionFailure(e))
        {
            _log.Debug(e, "Unbinding the queue of {Actor} without a broker connection", actor);
        }
        await consumer.CancelAsync();
    }

    /// <inheritdoc />
    public void Watch(ActorAddress target, ActorAddress watcher) => SendControl(target, watcher, "watch");

    /// <inheritdoc />
    public void Unwatch(ActorAddress target, ActorAddress watcher) => SendControl(target, watcher, "unwatch");

    /// <summary>Closes the connection without detaching nodes: as a crash would, unfinished pool messages go back to their pools.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            await _connection.CloseAsync();
        }
        catch (Exception e) when (QueueConsumer.IsConnectionFailure(e))
        {
            _log.Debug(e, "Closing the RabbitMQ connection");
        }
        _connection.Dispose();
    }

    private async Task OnNodeDeliveryAsync(NodeLink link, QueueConsumer consumer, BasicDeliverEventArgs delivery)
    {
        try
        {
            if (delivery.BasicProperties.Headers?.TryGetValue(ControlHeader, out var kind) == true && kind is byte[] kindBytes)
            {
                HandleControl(link, Encoding.UTF8.GetString(kindBytes), Encoding.UTF8.GetString(delivery.Body.Span));
            }
            else if (Read(delivery) is ({ } target, { } envelope))
            {
                // What comes through the node's queue is acknowledged once it is in a mailbox: Ask replies (whose
                // asker is gone with its process anyway) and messages for actors without a queue of their own.
                await link.Node.DeliverAsync(target, envelope, default);
            }
            else
            {
                consumer.Settle(delivery.DeliveryTag, ack: false, requeue: false);
                return;
            }
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            _log.Error(e, "Unreadable control message on node {Node}; dead-lettered", link.Node.Node);
            consumer.Settle(delivery.DeliveryTag, ack: false, requeue: false);
            return;
        }
        consumer.Settle(delivery.DeliveryTag, ack: true);
    }

    private async Task OnPoolDeliveryAsync(NodeLink link, ActorAddress member, QueueConsumer consumer, BasicDeliverEventArgs delivery)
    {
        if (Read(delivery) is not ({ } pool, { } envelope))
        {
            consumer.Settle(delivery.DeliveryTag, ack: false, requeue: false);
            return;
        }
        var message = new Returnable(pool, member, ReturnsOf(delivery), delivery.Body.ToArray(), envelope);
        await DeliverWithReceiptAsync(link, member, consumer, delivery, message, handled: null);
    }

    private async Task OnActorDeliveryAsync(NodeLink link, ActorAddress actor, QueueConsumer consumer, BasicDeliverEventArgs delivery)
    {
        if (Read(delivery) is not (_, { } envelope))
        {
            consumer.Settle(delivery.DeliveryTag, ack: false, requeue: false);
            return;
        }
        // The actor is stopping: hold it until the channel closes, so it goes back and ends with what is left in the queue.
        if (link.Leaving.ContainsKey(actor)) return;
        var handledKey = actor.Path + "\n" + envelope.MessageId;
        if (link.Handled.Contains(handledKey))
        {
            // Handled before: its acknowledgement was lost, or its publish was repeated after a lost confirm.
            _log.Debug("Dropped a repeat of message {MessageId} for {Actor}, handled before", envelope.MessageId, actor);
            consumer.Settle(delivery.DeliveryTag, ack: true);
            return;
        }
        var message = new Returnable(actor, actor, ReturnsOf(delivery), delivery.Body.ToArray(), envelope);
        await DeliverWithReceiptAsync(link, actor, consumer, delivery, message, handledKey);
    }

    /// <summary>
    /// Hands a pool or actor-queue message to its actor with a receipt, so it is acknowledged once handled. A message
    /// the broker redelivers because a consumer died holding it counts as returned, so one that crashes every process
    /// it reaches ends in the dead-letter queue instead of crashing them all in turn.
    /// </summary>
    private async Task DeliverWithReceiptAsync(NodeLink link, ActorAddress actor, QueueConsumer consumer, BasicDeliverEventArgs delivery,
        Returnable message, string? handled)
    {
        if (delivery.Redelivered)
        {
            await ReturnAsync(consumer, delivery.DeliveryTag, message);
            return;
        }
        var receipt = new Receipt(this, consumer, delivery.DeliveryTag, message, handled is null ? null : () => link.Handled.TryAccept(handled));
        await link.Node.DeliverAsync(actor, message.Envelope.WithReceipt(receipt), default);
    }

    private async Task OnTopicDeliveryAsync(NodeLink link, ActorAddress subscriber, QueueConsumer consumer, BasicDeliverEventArgs delivery)
    {
        if (Read(delivery) is (_, { } envelope))
        {
            await link.Node.DeliverAsync(subscriber, envelope, default);
            consumer.Settle(delivery.DeliveryTag, ack: true);
        }
        else
        {
            consumer.Settle(delivery.DeliveryTag, ack: false, requeue: false);
        }
    }

    private (ActorAddress Target, Envelope Envelope)? Read(BasicDeliverEventArgs delivery) =>
        Read(delivery.Body, delivery.BasicProperties, delivery.Redelivered, delivery.RoutingKey);

    /// <summary>Decodes a message; null (after logging) when it cannot be read, so it goes to the dead-letter queue.</summary>
    private (ActorAddress Target, Envelope Envelope)? Read(ReadOnlyMemory<byte> body, IReadOnlyBasicProperties properties, bool redelivered,
        string from)
    {
        try
        {
            var (target, envelope) = _serializer.Deserialize(body.Span);
            if ((redelivered || ReturnsOf(properties) > 0) && !envelope.Redelivered)
                envelope = new Envelope(envelope.Message, envelope.Sender, envelope.MessageId, envelope.CorrelationId, redelivered: true);
            return (target, envelope);
        }
        catch (MessageSerializationException e)
        {
            _log.Error(e, "Unreadable message {MessageId} from {Queue}; dead-lettered", properties.MessageId, from);
            return null;
        }
    }

    private static int ReturnsOf(BasicDeliverEventArgs delivery) => ReturnsOf(delivery.BasicProperties);

    private static int ReturnsOf(IReadOnlyBasicProperties properties) =>
        properties.Headers?.TryGetValue(ReturnsHeader, out var value) == true && value is int returns ? returns : 0;

    /// <summary>
    /// A member returned a pool message, or an actor a message of its own queue, unhandled: publish it to the back of
    /// the queue it came from with one more return counted, then acknowledge the original (a crash between the two
    /// leaves a repeat, which handlers drop by id); past the delivery limit, or when that queue is gone (an actor that
    /// stopped for good), reject it to the dead-letter exchange. A classic queue does not count returns itself, hence the header.
    /// </summary>
    private async Task ReturnAsync(QueueConsumer consumer, ulong deliveryTag, Returnable message)
    {
        var returns = message.Returns + 1;
        var (messageId, type) = (message.Envelope.MessageId, message.Envelope.Message.Descriptor.FullName);
        if (returns > _options.DeliveryLimit)
        {
            DeadLetter(consumer, deliveryTag, message,
                $"returned {returns} times, past the delivery limit of {_options.DeliveryLimit}; moved to {_names.DeadLetterQueue}");
            return;
        }
        var properties = Persistent(messageId, type);
        properties.Headers = new Dictionary<string, object?> { [ReturnsHeader] = returns };
        try
        {
            if (await PublishAsync("", consumer.Queue, mandatory: true, properties, message.Body, default))
                consumer.Settle(deliveryTag, ack: true);
            else
                DeadLetter(consumer, deliveryTag, message, $"returned unhandled after its queue was deleted; moved to {_names.DeadLetterQueue}");
        }
        catch (Exception e)
        {
            _log.Warning(e, "Returning message {MessageId} of {Member} failed; the broker requeues it", messageId, message.Member);
            consumer.Settle(deliveryTag, ack: false, requeue: true);
        }
    }

    /// <summary>Rejects a delivery to the dead-letter exchange and records it as a dead letter of the node that gave up.</summary>
    private void DeadLetter(QueueConsumer consumer, ulong deliveryTag, Returnable message, string reason)
    {
        _log.Warning("Message {MessageId} ({MessageType}) for {Target} {Reason}", message.Envelope.MessageId,
            message.Envelope.Message.Descriptor.FullName, message.Target, reason);
        consumer.Settle(deliveryTag, ack: false, requeue: false);
        if (_nodes.TryGetValue(message.Member.Node, out var link))
            link.Node.DeadLetter(message.Target, message.Envelope, reason);
    }

    private void HandleControl(NodeLink link, string kind, string body)
    {
        var parts = body.Split('\n');
        if (parts.Length != 2) throw new FormatException($"control message '{kind}' must hold a path and a watcher");
        var watcher = ActorAddress.Parse(parts[1]);
        switch (kind)
        {
            case "watch":
                link.Node.AddWatcher(parts[0], watcher);
                break;
            case "unwatch":
                link.Node.RemoveWatcher(parts[0], watcher);
                break;
            default:
                throw new FormatException($"unknown control message '{kind}'");
        }
    }

    private void SendControl(ActorAddress target, ActorAddress watcher, string kind)
    {
        var properties = Persistent(ActorSystem.NewMessageId(), kind);
        properties.Headers = new Dictionary<string, object?> { [ControlHeader] = Encoding.UTF8.GetBytes(kind) };
        var body = Encoding.UTF8.GetBytes(target.Path + "\n" + watcher);
        _ = Task.Run(async () =>
        {
            try
            {
                var routed = await PublishAsync(_names.NodeExchange, target.Node, mandatory: true, properties, body, default);
                if (!routed && kind == "watch" && _nodes.TryGetValue(watcher.Node, out var local))
                    await local.Node.DeliverAsync(watcher,
                        ActorSystem.TerminatedEnvelope(target, $"node '{target.Node}' has no queue on the broker (unknown or gone)"), default);
            }
            catch (Exception e)
            {
                _log.Error(e, "Sending {Control} of {Target} for {Watcher} failed", kind, target, watcher);
            }
        });
    }

    private async ValueTask<bool> PublishAsync(string exchange, string routingKey, bool mandatory, BasicProperties properties,
        byte[] body, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var pause = FirstPause;
        while (true)
        {
            var channel = await _publishers.Reader.ReadAsync(cancellationToken);
            // A confirm lost with its connection may never come; waiting has a limit, and the message is published again.
            using var confirmWait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            confirmWait.CancelAfter(_options.ConfirmTimeout);
            try
            {
                await channel.BasicPublishAsync(exchange, routingKey, mandatory, properties, body, confirmWait.Token);
                return true;
            }
            catch (PublishException e) when (e.IsReturn)
            {
                return false;
            }
            catch (Exception e) when (QueueConsumer.IsConnectionFailure(e) && !cancellationToken.IsCancellationRequested
                                      && clock.Elapsed < _options.PublishTimeout && Volatile.Read(ref _disposed) == 0)
            {
                // Not confirmed: the broker is restarting or refused it. Publishing again may duplicate it; receivers drop repeats by id.
                _log.Debug(e, "Publish to {Exchange}/{RoutingKey} not confirmed; retrying", exchange, routingKey);
                channel = await RenewIfClosedAsync(channel);
            }
            finally
            {
                _publishers.Writer.TryWrite(channel);
            }
            await Task.Delay(pause, cancellationToken);
            pause = Longer(pause);
        }
    }

    /// <summary>The next pause between retries: doubling, at most a second.</summary>
    private static TimeSpan Longer(TimeSpan pause) => TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 1000));

    /// <summary>
    /// Runs a topology step, again while the connection is down (it recovers by itself), for up to
    /// <see cref="RabbitMqFabricOptions.PublishTimeout"/>, as a publish would wait; a refusal on an open connection fails at once.
    /// </summary>
    private async Task WhileUnreachableRetryAsync(Func<Task> step, string what)
    {
        var clock = Stopwatch.StartNew();
        var pause = FirstPause;
        while (true)
        {
            try
            {
                await step();
                return;
            }
            catch (Exception e) when (QueueConsumer.IsConnectionFailure(e) && !_connection.IsOpen && clock.Elapsed < _options.PublishTimeout
                                      && Volatile.Read(ref _disposed) == 0)
            {
                _log.Debug(e, "{What} failed without a broker connection; retrying", what);
            }
            await Task.Delay(pause);
            pause = Longer(pause);
        }
    }

    /// <summary>A channel closed by a channel-level error is not recovered with the connection; open a new one when the connection is up.</summary>
    private async Task<IChannel> RenewIfClosedAsync(IChannel channel)
    {
        if (channel.IsOpen || !_connection.IsOpen) return channel;
        try
        {
            var fresh = await NewPublisherAsync(_connection, default);
            channel.Dispose();
            return fresh;
        }
        catch (Exception e) when (QueueConsumer.IsConnectionFailure(e))
        {
            return channel;
        }
    }

    private static Task<IChannel> NewPublisherAsync(IConnection connection, CancellationToken cancellationToken) =>
        connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken);

    private async Task DeclareJobTopologyAsync(CancellationToken cancellationToken)
    {
        await using var ch = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await ch.ExchangeDeclareAsync(_names.NodeExchange, ExchangeType.Direct, durable: true, cancellationToken: cancellationToken);
        await ch.ExchangeDeclareAsync(_names.TopicExchange, ExchangeType.Topic, durable: true, cancellationToken: cancellationToken);
        await ch.ExchangeDeclareAsync(_names.DeadLetterExchange, ExchangeType.Fanout, durable: true, cancellationToken: cancellationToken);
        await ch.QueueDeclareAsync(_names.DeadLetterQueue, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken);
        await ch.QueueBindAsync(_names.DeadLetterQueue, _names.DeadLetterExchange, "", cancellationToken: cancellationToken);
    }

    private async Task DeclarePoolAsync(ActorAddress pool)
    {
        if (_declaredPools.ContainsKey(pool.Path)) return;
        await WithTopologyChannelAsync(ch => ch.QueueDeclareAsync(_names.PoolQueue(pool), durable: true, exclusive: false, autoDelete: false,
            QueueArguments(expires: false)));
        _declaredPools[pool.Path] = true;
    }

    /// <summary>
    /// Every queue dead-letters to the job's exchange. Pools are classic durable queues (quorum queues could not be
    /// consumed for minutes after a broker crash on a loaded machine); a node's own queues also expire when nobody has
    /// consumed them for a while (the node is gone for good).
    /// </summary>
    private Dictionary<string, object?> QueueArguments(bool expires)
    {
        var arguments = new Dictionary<string, object?> { ["x-dead-letter-exchange"] = _names.DeadLetterExchange };
        if (expires) arguments["x-expires"] = (long)_options.AbandonedQueueExpiry.TotalMilliseconds;
        return arguments;
    }

    // Declarations get a short-lived channel each: a refused declaration closes its channel, and must not take a shared one with it.
    private async Task WithTopologyChannelAsync(Func<IChannel, Task> action)
    {
        await using var ch = await _connection.CreateChannelAsync();
        await action(ch);
    }

    private static BasicProperties Persistent(string messageId, string type) => new()
    {
        Persistent = true,
        MessageId = messageId,
        Type = type,
    };

    private NodeLink LinkOf(ActorAddress actor) =>
        _nodes.TryGetValue(actor.Node, out var link)
            ? link
            : throw new InvalidOperationException($"{actor} belongs to node '{actor.Node}', which is not attached to this fabric");

    private static void Block(Func<Task> action) => Task.Run(action).GetAwaiter().GetResult();

    /// <summary>What the fabric holds for one attached node.</summary>
    private sealed class NodeLink(IFabricNode node)
    {
        public IFabricNode Node { get; } = node;
        public QueueConsumer? NodeConsumer { get; set; }
        public ConcurrentDictionary<ActorAddress, QueueConsumer> Actors { get; } = new();
        /// <summary>Unbinding and cancelling under way for actors that are stopping (see <see cref="Forget"/>).</summary>
        public ConcurrentDictionary<ActorAddress, Task> Leaving { get; } = new();
        /// <summary>Actor path and id of the messages this node's actors handled from their own queues, so a repeat is dropped.</summary>
        public MessageDeduplicator Handled { get; } = new();
        public ConcurrentDictionary<(ActorAddress Pool, ActorAddress Member), QueueConsumer> Members { get; } = new();
        public ConcurrentDictionary<(ActorAddress Topic, ActorAddress Subscriber), QueueConsumer> Subscriptions { get; } = new();

        public IEnumerable<QueueConsumer> AllConsumers() =>
            [.. Actors.Values, .. Members.Values, .. Subscriptions.Values, .. NodeConsumer is null ? Array.Empty<QueueConsumer>() : [NodeConsumer]];
    }

    /// <summary>
    /// What is needed to put a message back: where it was sent (a pool, or the actor itself), who returned it, how often
    /// it was returned, its bytes and what they say.
    /// </summary>
    private sealed record Returnable(ActorAddress Target, ActorAddress Member, int Returns, byte[] Body, Envelope Envelope);

    /// <summary>
    /// A delivery's acknowledgement: completed when handled (and then remembered by <paramref name="onHandled"/>, if
    /// given), returned to its queue otherwise.
    /// </summary>
    private sealed class Receipt(RabbitMqFabric fabric, QueueConsumer consumer, ulong deliveryTag, Returnable message, Action? onHandled)
        : IDeliveryReceipt
    {
        private int _settled;

        public void Complete()
        {
            if (Interlocked.Exchange(ref _settled, 1) != 0) return;
            onHandled?.Invoke();
            consumer.Settle(deliveryTag, ack: true);
        }

        public void Return()
        {
            if (Interlocked.Exchange(ref _settled, 1) == 0) consumer.Track(fabric.ReturnAsync(consumer, deliveryTag, message));
        }
    }
}
