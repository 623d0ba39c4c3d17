using R2ec.Actors.Addressing;

namespace R2ec.Actors.Fabric.RabbitMq;

/// <summary>The broker names of one job: everything starts with <c>r2ec.{job}</c>, so jobs on one broker stay apart.</summary>
internal sealed class RabbitMqNames(string job)
{
    private readonly string _prefix = "r2ec." + job;

    /// <summary>Direct exchange that routes a node's messages to its queue (routing key: the node's name).</summary>
    public string NodeExchange => _prefix + ".nodes";

    /// <summary>Topic exchange for broadcasts (routing key: the topic's path).</summary>
    public string TopicExchange => _prefix + ".topics";

    /// <summary>Fanout exchange where messages go that failed too often or cannot be read.</summary>
    public string DeadLetterExchange => _prefix + ".dlx";

    /// <summary>The queue that keeps dead letters for inspection.</summary>
    public string DeadLetterQueue => _prefix + ".dead-letters";

    /// <summary>A node's own queue: messages to its actors, death-watch requests.</summary>
    public string NodeQueue(string node) => $"{_prefix}.node.{node}";

    /// <summary>A pool's work queue, shared by its members as competing consumers.</summary>
    public string PoolQueue(ActorAddress pool) => _prefix + pool.Path.Replace('/', '.');

    /// <summary>One subscriber's queue of a topic.</summary>
    public string SubscriberQueue(ActorAddress topic, ActorAddress subscriber) =>
        $"{_prefix}.sub.{subscriber.Node}{subscriber.Path.Replace('/', '.')}{topic.Path.Replace('/', '.')}";
}
