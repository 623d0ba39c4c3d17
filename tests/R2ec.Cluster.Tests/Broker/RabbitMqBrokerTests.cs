using System.Text;
using RabbitMQ.Client;

namespace R2ec.Cluster.Tests.Broker;

[NonParallelizable]
public sealed class RabbitMqBrokerTests
{
    private static ConnectionFactory Factory(RabbitMqBroker broker) =>
        new() { HostName = "127.0.0.1", Port = broker.AmqpPort, UserName = "guest", Password = "guest" };

    [Test]
    public async Task PrivateBroker_CarriesAMessage_AndSurvivesARestartWithDurableQueue()
    {
        using var broker = RabbitMqBroker.Start(TimeSpan.FromSeconds(90));

        await using (var connection = await Factory(broker).CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            await channel.QueueDeclareAsync("r2ec.test", durable: true, exclusive: false, autoDelete: false);
            await channel.BasicPublishAsync("", "r2ec.test", mandatory: true,
                new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes("step 1"));
        }

        broker.Restart(TimeSpan.FromSeconds(90));

        await using (var connection = await Factory(broker).CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            var got = await channel.BasicGetAsync("r2ec.test", autoAck: true);
            Assert.That(got, Is.Not.Null, "a persistent message on a durable queue survives a broker restart");
            Assert.That(Encoding.UTF8.GetString(got!.Body.Span), Is.EqualTo("step 1"));
        }
    }
}
