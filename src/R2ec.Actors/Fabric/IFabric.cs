using R2ec.Actors.Addressing;
using R2ec.Actors.Runtime;

namespace R2ec.Actors.Fabric;

/// <summary>
/// What connects the nodes of a job: it carries envelopes to actors on other nodes, runs pools of competing
/// consumers (each message to one member) and broadcast topics (each message to every subscriber), and relays death
/// watch between nodes.
/// <para>Pools are at-least-once, by one rule for every fabric: a member completes a pool message when its handler ran
/// without throwing; a message whose handler threw, whose member stopped before handling it, or whose member's node was
/// lost is returned and delivered again (to any member, marked <see cref="Envelope.Redelivered"/>, not necessarily in
/// its first order). A message returned more than the fabric's delivery limit times (default
/// <see cref="DefaultDeliveryLimit"/>) is dead-lettered instead of looping through the pool.</para>
/// <para>Messages to one actor are at most once in memory (straight into its mailbox). A broker-backed fabric keeps
/// them in a durable queue per actor, between <see cref="Register"/> and <see cref="UnregisterAsync"/>, and hands them
/// over with receipts by the same rule (returned ones come again to the same actor), so they survive a crash of the
/// actor's node.</para>
/// <see cref="InMemoryFabric"/> connects actor systems of one process; a broker-backed fabric does the same across
/// processes. A fabric may serialise every message it carries, so a message that cannot cross machines fails at the sender.
/// </summary>
public interface IFabric
{
    /// <summary>How many times a pool message may be returned before it is dead-lettered, unless a fabric is told otherwise.</summary>
    const int DefaultDeliveryLimit = 5;

    /// <summary>Connects a node (an actor system) so messages for it reach it.</summary>
    void Attach(IFabricNode node);

    /// <summary>Disconnects a node: its pool memberships and subscriptions end and its unfinished pool messages go back to their pools.</summary>
    void Detach(string node);

    /// <summary>
    /// A named actor of an attached node (a path under <c>/user</c>) started: from now on messages for it may wait for
    /// it in the fabric. The actor system calls it once per actor before the actor's first message; a supervision
    /// restart keeps the registration. An in-process fabric has nothing to do: the actor's mailbox is its queue.
    /// </summary>
    void Register(ActorAddress actor);

    /// <summary>
    /// A registered actor stopped for good (after <see cref="Forget"/>, once its mailbox was drained): messages that
    /// still wait for it become dead letters and its place in the fabric is removed, so a later send finds no actor
    /// there. Not called for a node that dies: what waits for its actors stays for a successor under the same name.
    /// </summary>
    Task UnregisterAsync(ActorAddress actor);

    /// <summary>
    /// Carries an envelope to an actor of another node, a pool or a topic.
    /// Returns false when there is no route (an unknown node), so the sender records a dead letter.
    /// </summary>
    ValueTask<bool> SendAsync(ActorAddress target, Envelope envelope, CancellationToken cancellationToken);

    /// <summary>Adds an actor to a pool; it holds at most <paramref name="prefetch"/> unfinished pool messages at a time.</summary>
    void JoinPool(ActorAddress pool, ActorAddress member, int prefetch);

    /// <summary>Adds an actor to a topic's subscribers.</summary>
    void Subscribe(ActorAddress topic, ActorAddress subscriber);

    /// <summary>Removes an actor from every pool and topic and stops handing it messages (it is stopping).</summary>
    void Forget(ActorAddress member);

    /// <summary>Asks the target's node to send <see cref="Protocol.Terminated"/> to the watcher when the target stops.</summary>
    void Watch(ActorAddress target, ActorAddress watcher);

    /// <summary>Cancels a <see cref="Watch"/>.</summary>
    void Unwatch(ActorAddress target, ActorAddress watcher);
}

/// <summary>The side of an actor system a fabric talks to.</summary>
public interface IFabricNode
{
    /// <summary>The node's name.</summary>
    string Node { get; }

    /// <summary>Delivers an envelope to a local actor (or records a dead letter).</summary>
    ValueTask DeliverAsync(ActorAddress target, Envelope envelope, CancellationToken cancellationToken);

    /// <summary>Registers a (possibly remote) watcher of a local actor; sends Terminated at once if the actor is gone.</summary>
    void AddWatcher(string path, ActorAddress watcher);

    /// <summary>Removes a watcher added with <see cref="AddWatcher"/>.</summary>
    void RemoveWatcher(string path, ActorAddress watcher);

    /// <summary>Records a message the fabric gave up on (a pool message past its delivery limit) as this node's dead letter.</summary>
    void DeadLetter(ActorAddress target, Envelope envelope, string reason);
}
