using R2ec.Cluster.Tests.Broker;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace R2ec.Cluster.Tests.Support;

/// <summary>Looks at the broker from outside the fabric, on a connection of its own, as an operator would.</summary>
internal static class BrokerProbe
{
    public static Task<IConnection> ConnectAsync(RabbitMqBroker broker) =>
        new ConnectionFactory { HostName = "127.0.0.1", Port = broker.AmqpPort }.CreateConnectionAsync();

    /// <summary>Waits for the next message of a queue (the dead-letter queue) and takes it.</summary>
    public static async Task<BasicGetResult> NextAsync(RabbitMqBroker broker, string queue)
    {
        await using var connection = await ConnectAsync(broker);
        await using var channel = await connection.CreateChannelAsync();
        BasicGetResult? message = null;
        await Eventually.UntilAsync(async () => (message = await channel.BasicGetAsync(queue, autoAck: true)) is not null, $"a message in {queue}");
        return message!;
    }

    /// <summary>A passive declaration: the broker answers for an existing queue and closes the channel (404) otherwise.</summary>
    public static async Task<bool> QueueExistsAsync(RabbitMqBroker broker, string queue)
    {
        await using var connection = await ConnectAsync(broker);
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            await channel.QueueDeclarePassiveAsync(queue);
            return true;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return false;
        }
    }
}
