using System.Security.Cryptography;
using System.Text;
using R2ec.Actors.Addressing;

namespace R2ec.Actors.Fabric.RabbitMq;

/// <summary>The broker names of one job: everything starts with <c>r2ec.{job}</c>, so jobs on one broker stay apart.</summary>
internal sealed class RabbitMqNames(string job)
{
    private readonly string _prefix = "r2ec." + job;

    /// <summary>The broker's limit on queue names and routing keys, in bytes.</summary>
    internal const int MaxNameBytes = 255;

    /// <summary>
    /// Direct exchange that routes a node's messages to its queue (routing key: the node's name) and an actor's messages
    /// to the actor's queue (routing key: <see cref="ActorRoutingKey"/>).
    /// </summary>
    public string NodeExchange => _prefix + ".nodes";

    /// <summary>Topic exchange for broadcasts (routing key: the topic's path).</summary>
    public string TopicExchange => _prefix + ".topics";

    /// <summary>Fanout exchange where messages go that failed too often or cannot be read.</summary>
    public string DeadLetterExchange => _prefix + ".dlx";

    /// <summary>The queue that keeps dead letters for inspection.</summary>
    public string DeadLetterQueue => _prefix + ".dead-letters";

    /// <summary>A node's own queue: death-watch requests, Ask replies, and messages for actors that have no queue of their own.</summary>
    public string NodeQueue(string node) => $"{_prefix}.node.{node}";

    /// <summary>The durable queue of one named actor.</summary>
    public string ActorQueue(ActorAddress actor) => Bounded($"{_prefix}.actor.{actor.Node}{actor.Path.Replace('/', '.')}");

    /// <summary>
    /// How the node exchange routes to an actor's queue: node and path, e.g. <c>node-1/user/learner</c>. A node name
    /// holds no '/', so it never collides with the node queue's key.
    /// </summary>
    public static string ActorRoutingKey(ActorAddress actor) => Bounded(actor.Node + actor.Path);

    /// <summary>A pool's work queue, shared by its members as competing consumers.</summary>
    public string PoolQueue(ActorAddress pool) => _prefix + pool.Path.Replace('/', '.');

    /// <summary>One subscriber's queue of a topic.</summary>
    public string SubscriberQueue(ActorAddress topic, ActorAddress subscriber) =>
        Bounded($"{_prefix}.sub.{subscriber.Node}{subscriber.Path.Replace('/', '.')}{topic.Path.Replace('/', '.')}");

    /// <summary>
    /// A name the broker accepts: at most <see cref="MaxNameBytes"/> bytes. A longer one (a deep actor tree) keeps its
    /// start and ends in a hash of the whole, so distinct names stay distinct. Names are ASCII (addresses allow nothing else).
    /// </summary>
    internal static string Bounded(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) <= MaxNameBytes) return name;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..32];
        return name[..(MaxNameBytes - hash.Length - 1)] + "~" + hash;
    }
}
