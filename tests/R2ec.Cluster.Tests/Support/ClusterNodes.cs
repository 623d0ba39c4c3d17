using Google.Protobuf.WellKnownTypes;
using R2ec.Actors.Fabric.RabbitMq;
using R2ec.Actors.Runtime;
using R2ec.Actors.Serialization;
using R2ec.Cluster.Tests.Broker;

namespace R2ec.Cluster.Tests.Support;

/// <summary>Nodes of a test, each an actor system on its own broker connection (as separate processes would be); disposed together.</summary>
internal sealed class ClusterNodes(RabbitMqBroker broker, string job, Serilog.ILogger? logger = null, MessageSerializer? serializer = null)
    : IAsyncDisposable
{
    private readonly List<(ActorSystem System, RabbitMqFabric Fabric)> _nodes = [];

    public static MessageSerializer Serializer() => new([Int32Value.Descriptor, StringValue.Descriptor]);

    public RabbitMqFabricOptions Options => new()
    {
        HostName = "127.0.0.1",
        Port = broker.AmqpPort,
        Job = job,
        Heartbeat = TimeSpan.FromSeconds(5),
        RecoveryInterval = TimeSpan.FromMilliseconds(500),
        PublishTimeout = TimeSpan.FromSeconds(90),
    };

    public async Task<RabbitMqFabric> FabricAsync(RabbitMqFabricOptions? options = null) =>
        await RabbitMqFabric.ConnectAsync(options ?? Options, serializer ?? Serializer(), logger);

    public async Task<(ActorSystem System, RabbitMqFabric Fabric)> StartAsync(string node)
    {
        var fabric = await FabricAsync();
        var system = new ActorSystem(node, logger: logger, fabric: fabric);
        _nodes.Add((system, fabric));
        return (system, fabric);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (system, fabric) in _nodes)
        {
            await system.DisposeAsync();
            await fabric.DisposeAsync();
        }
    }

    public static Int32Value Int(int value) => new() { Value = value };

    public static StringValue Text(string value) => new() { Value = value };
}
