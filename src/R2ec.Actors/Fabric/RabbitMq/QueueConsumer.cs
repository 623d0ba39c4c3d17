using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Serilog;

namespace R2ec.Actors.Fabric.RabbitMq;

/// <summary>
/// One consumer on its own channel, so its prefetch is its own: a node's queue, one pool member or one topic
/// subscription. Deliveries are acknowledged manually; a consumer that was cancelled closes its channel once its last
/// unfinished delivery is settled, and closing the channel hands every unsettled delivery back to the broker.
/// No acknowledgement is sent once the channel is closing: a frame on a channel the broker has closed is a
/// connection error (504 "expected 'channel.open'") that would take every other channel with it.
/// </summary>
internal sealed class QueueConsumer
{
    /// <summary>How long closing waits for settlements under way.</summary>
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(10);
    private readonly IChannel _channel;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _pending = [];
    private string? _consumerTag;
    private Task? _closing;
    private bool _shut;
    private int _unsettled;
    private bool _cancelled;

    private QueueConsumer(IChannel channel, string queue, ILogger log)
    {
        _channel = channel;
        Queue = queue;
        _log = log;
    }

    public string Queue { get; }

    /// <summary>Opens a channel with the given prefetch and starts consuming <paramref name="queue"/>.</summary>
    public static async Task<QueueConsumer> StartAsync(IConnection connection, string queue, ushort prefetch, ILogger log,
        Func<QueueConsumer, BasicDeliverEventArgs, Task> onDelivery)
    {
        var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, prefetch, global: false);
        var consumer = new QueueConsumer(channel, queue, log);
        channel.ChannelShutdownAsync += (_, e) =>
        {
            // A channel error (4xx) is not recovered with the connection: this consumer takes no more deliveries.
            if (e.ReplyCode is >= 400 and < 500)
                log.Warning("The broker closed the consumer channel of {Queue}: {Code} {Reason}", queue, e.ReplyCode, e.ReplyText);
            return Task.CompletedTask;
        };
        var handler = new AsyncEventingBasicConsumer(channel);
        handler.ReceivedAsync += async (_, delivery) =>
        {
            lock (consumer._gate) consumer._unsettled++;
            try
            {
                await onDelivery(consumer, delivery);
            }
            catch (Exception e)
            {
                log.Error(e, "Handling a delivery from {Queue} failed; it goes back to the queue", queue);
                consumer.Settle(delivery.DeliveryTag, ack: false, requeue: true);
            }
        };
        consumer._consumerTag = await channel.BasicConsumeAsync(queue, autoAck: false, handler);
        return consumer;
    }

    /// <summary>Acknowledges (or rejects, to the queue again or to the dead-letter exchange) one delivery.</summary>
    public void Settle(ulong deliveryTag, bool ack, bool requeue = false)
    {
        bool close;
        TaskCompletionSource? settled = null;
        lock (_gate)
        {
            _unsettled--;
            close = _cancelled && _unsettled <= 0;
            // Registered under the gate, so closing either waits for this settlement or has begun and it is not sent.
            if (!_shut)
            {
                settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _pending.Add(settled.Task);
            }
        }
        if (settled is null)
        {
            _log.Debug("Delivery {DeliveryTag} of {Queue} settled after its channel closed; the broker redelivers it", deliveryTag, Queue);
            return;
        }
        _ = SettleAsync(deliveryTag, ack, requeue, close, settled);
    }

    /// <summary>Keeps an unfinished settlement (or a return on its way back to the pool) so closing waits for it.</summary>
    public void Track(Task work)
    {
        lock (_gate) _pending.Add(work);
        _ = work.ContinueWith(t =>
        {
            lock (_gate) _pending.Remove(t);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Stops new deliveries; the channel closes when the unsettled ones are settled.</summary>
    public async Task CancelAsync()
    {
        bool close;
        lock (_gate)
        {
            if (_cancelled) return;
            _cancelled = true;
            close = _unsettled <= 0;
        }
        try
        {
            if (_consumerTag is { } tag && _channel.IsOpen) await _channel.BasicCancelAsync(tag);
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            _log.Debug(e, "Cancelling the consumer of {Queue} on a closed channel", Queue);
        }
        if (close) await CloseAsync();
    }

    /// <summary>
    /// Closes the channel once the settlements already under way are sent (so a handled message is not handed out
    /// again); the broker gives every delivery still unsettled to another consumer. Closing twice waits for the first.
    /// </summary>
    public Task CloseAsync()
    {
        lock (_gate) return _closing ??= CloseCoreAsync();
    }

    private async Task CloseCoreAsync()
    {
        await Task.Yield(); // the caller holds the gate
        // A settlement can start another (a return publishes, then acknowledges): wait until none is left.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Task[] pending;
            lock (_gate)
            {
                pending = [.. _pending];
                if (pending.Length == 0 || clock.Elapsed >= CloseWait)
                {
                    _shut = true;
                    break;
                }
            }
            try
            {
                await Task.WhenAll(pending).WaitAsync(CloseWait - clock.Elapsed);
            }
            catch (Exception e)
            {
                _log.Debug(e, "Settlements of {Queue} unfinished at close; the broker redelivers what was not acknowledged", Queue);
            }
        }
        try
        {
            if (_channel.IsOpen) await _channel.CloseAsync();
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            _log.Debug(e, "Closing the channel of {Queue}", Queue);
        }
        _channel.Dispose();
    }

    internal static bool IsConnectionFailure(Exception e) =>
        e is RabbitMQ.Client.Exceptions.RabbitMQClientException or IOException or ObjectDisposedException or OperationCanceledException;

    private async Task SettleAsync(ulong deliveryTag, bool ack, bool requeue, bool close, TaskCompletionSource settled)
    {
        try
        {
            if (ack) await _channel.BasicAckAsync(deliveryTag, multiple: false);
            else await _channel.BasicNackAsync(deliveryTag, multiple: false, requeue);
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            // The channel died with the delivery unsettled: the broker redelivers it, and idempotent handlers drop the copy.
            _log.Debug(e, "Settling delivery {DeliveryTag} of {Queue} failed; the broker will redeliver it", deliveryTag, Queue);
        }
        finally
        {
            lock (_gate) _pending.Remove(settled.Task);
            settled.SetResult();
        }
        // Closing waits for pending settlements, this one included, so it must not run inside it.
        if (close) _ = Task.Run(CloseAsync);
    }
}
