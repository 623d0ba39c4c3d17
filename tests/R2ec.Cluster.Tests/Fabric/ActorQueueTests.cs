using Google.Protobuf.WellKnownTypes;
using R2ec.Actors.Addressing;
using R2ec.Actors.Events;
using R2ec.Actors.Fabric.RabbitMq;
using R2ec.Actors.Runtime;
using R2ec.Actors.Supervision;
using R2ec.Actors.Tests.Support;
using R2ec.Cluster.Tests.Broker;
using R2ec.Cluster.Tests.Support;
using RabbitMQ.Client;
using static R2ec.Cluster.Tests.Support.ClusterNodes;

namespace R2ec.Cluster.Tests.Fabric;

/// <summary>
/// Every named actor has a durable queue of its own on the broker: its messages are acknowledged after its handler
/// ran, survive a crash of its node, come again after a failure and end in the dead-letter queue past the limit.
/// </summary>
[NonParallelizable]
public sealed class ActorQueueTests
{
    private static readonly SupervisionOptions QuickRestarts =
        new() { MinBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMilliseconds(10), MaxRestarts = 100 };

    private RabbitMqBroker _broker = null!;

    [OneTimeSetUp]
    public void StartBroker() => _broker = SharedBroker.Instance;

    [Test]
    public async Task An_actor_has_a_durable_queue_while_it_runs_and_loses_it_when_it_stops()
    {
        await using var nodes = new ClusterNodes(_broker, "aq-life");
        var (b, _) = await nodes.StartAsync("node-b");
        var learner = b.Spawn("learner", LambdaActor.Props((_, _) => { }));
        var child = new TaskCompletionSource<IActorRef>();
        b.Spawn("parent", LambdaActor.Props((_, _) => Task.CompletedTask, c =>
        {
            child.SetResult(c.Spawn("child", LambdaActor.Props((_, _) => { })));
            return Task.CompletedTask;
        }));
        await child.Task;

        Assert.That(await QueueExistsAsync("r2ec.aq-life.actor.node-b.user.learner"), Is.True, "a top-level actor's queue");
        Assert.That(await QueueExistsAsync("r2ec.aq-life.actor.node-b.user.parent.child"), Is.True, "a child's queue");
        await b.StopAsync(learner);

        Assert.That(await QueueExistsAsync("r2ec.aq-life.actor.node-b.user.learner"), Is.False, "deleted on a graceful stop");
        Assert.That(await QueueExistsAsync("r2ec.aq-life.actor.node-b.user.parent.child"), Is.True, "the other actors keep theirs");
    }

    [Test]
    public async Task Messages_left_in_a_stopped_actors_queue_become_dead_letters()
    {
        await using var nodes = new ClusterNodes(_broker, "aq-left");
        var (a, _) = await nodes.StartAsync("node-a");
        var (b, fabric) = await nodes.StartAsync("node-b");
        var entered = new Inbox<int>();
        var gate = new TaskCompletionSource();
        var slow = b.Spawn("slow", LambdaActor.Props(async (_, m) =>
        {
            entered.Add(((Int32Value)m).Value);
            await gate.Task;
        }));
        using var events = new EventRecorder(b);
        var remote = a.Resolve(slow.Address);
        for (var i = 0; i < 4; i++) await remote.TellAsync(Int(i));
        Assert.That(await entered.NextAsync(), Is.EqualTo(0));

        var stopping = b.StopAsync(slow); // no drain: what waits is not handled
        gate.SetResult();
        await stopping;

        for (var i = 1; i < 4; i++)
            Assert.That((await events.NextAsync(ActorEventKind.DeadLetter, "/user/slow")).Reason, Does.Contain("actor stopped before handling it"));
        var ids = new List<string>();
        await using var connection = await BrokerProbe.ConnectAsync(_broker);
        await using var channel = await connection.CreateChannelAsync();
        while (await channel.BasicGetAsync(fabric.DeadLetterQueue, autoAck: true) is { } message) ids.Add(message.BasicProperties.MessageId!);
        Assert.That(ids, Has.Count.EqualTo(3), "messages 1 to 3 in the dead-letter queue");
        Assert.That(entered.TryTake(out var late), Is.False, $"message {late} was handled after the stop");
    }

    [Test]
    public async Task A_message_whose_handler_threw_comes_again_to_the_same_actor_after_its_restart()
    {
        await using var nodes = new ClusterNodes(_broker, "aq-threw");
        var (a, _) = await nodes.StartAsync("node-a");
        var (b, _) = await nodes.StartAsync("node-b");
        var deliveries = new Inbox<(int, bool)>();
        using var events = new EventRecorder(b);
        var flaky = b.Spawn("flaky", LambdaActor.Props((c, m) =>
        {
            deliveries.Add((((Int32Value)m).Value, c.Redelivered));
            if (!c.Redelivered) throw new InvalidOperationException("injected failure");
        }) with { Supervision = QuickRestarts });

        await a.Resolve(flaky.Address).TellAsync(Int(5));

        Assert.That(await deliveries.TakeAsync(2), Is.EqualTo(new[] { (5, false), (5, true) }));
        Assert.That(events.All.Count(e => (e.Kind, e.Path) == (ActorEventKind.Restarted, "/user/flaky")), Is.EqualTo(1),
            "handled again by the restarted actor");
    }

    [Test]
    public async Task A_message_whose_handler_keeps_throwing_goes_to_the_dead_letter_queue_past_the_limit()
    {
        await using var nodes = new ClusterNodes(_broker, "aq-poison");
        var (a, _) = await nodes.StartAsync("node-a");
        var fabricB = await nodes.FabricAsync(nodes.Options with { DeliveryLimit = 2 });
        await using var b = new ActorSystem("node-b", fabric: fabricB);
        using var events = new EventRecorder(b);
        var deliveries = 0;
        var poisoned = b.Spawn("poisoned", LambdaActor.Props((_, _) =>
        {
            Interlocked.Increment(ref deliveries);
            throw new InvalidOperationException("always fails");
        }) with { Supervision = QuickRestarts });

        await a.Resolve(poisoned.Address).TellAsync(Int(13));

        var letter = await events.NextAsync(ActorEventKind.DeadLetter, "/user/poisoned");
        Assert.That((letter.Path, letter.Reason), Is.EqualTo(("/user/poisoned",
            $"returned 3 times, past the delivery limit of 2; moved to {fabricB.DeadLetterQueue}")));
        Assert.That(Volatile.Read(ref deliveries), Is.EqualTo(3), "the first delivery and two more");
        var inQueue = await BrokerProbe.NextAsync(_broker, fabricB.DeadLetterQueue);
        Assert.That(inQueue.BasicProperties.Type, Is.EqualTo(Int32Value.Descriptor.FullName));
        await b.ShutdownAsync(TimeSpan.Zero);
        await fabricB.DisposeAsync();
    }

    [Test]
    public async Task Messages_sent_while_a_node_is_down_wait_in_the_actors_queue_until_it_comes_back()
    {
        await using var nodes = new ClusterNodes(_broker, "aq-crash");
        var (a, _) = await nodes.StartAsync("node-a");
        var crashed = await nodes.FabricAsync();
        var before = new ActorSystem("node-b", fabric: crashed);
        before.Spawn("learner", LambdaActor.Props((_, _) => { }));
        await crashed.DisposeAsync(); // the process dies: no detach, no unregistering
        await before.DisposeAsync();

        var remote = a.Resolve(new ActorAddress("node-b", "/user/learner"));
        for (var i = 0; i < 5; i++) await remote.TellAsync(Int(i));
        var handled = new Inbox<int>();
        await using var successor = await nodes.FabricAsync();
        await using var after = new ActorSystem("node-b", fabric: successor);
        after.Spawn("learner", LambdaActor.Props((_, m) => handled.Add(((Int32Value)m).Value)));

        Assert.That(await handled.TakeAsync(5), Is.EqualTo(new[] { 0, 1, 2, 3, 4 }), "all of them, in the order sent");
    }

    [Test]
    public async Task An_actor_spawned_while_the_broker_is_down_gets_its_queue_once_the_broker_is_back()
    {
        await using var nodes = new ClusterNodes(_broker, "aq-outage");
        var (a, _) = await nodes.StartAsync("node-a");
        var (b, fabricB) = await nodes.StartAsync("node-b");
        var restart = Task.Run(() => _broker.Restart(TimeSpan.FromSeconds(120), graceful: false));
        await Eventually.Until(() => !fabricB.IsConnected || restart.IsCompleted, "the connection to drop");
        Assert.That(fabricB.IsConnected, Is.False, "the broker went down before the spawn");
        var handled = new Inbox<int>();

        var late = await Task.Run(() => b.Spawn("late", LambdaActor.Props((_, m) => handled.Add(((Int32Value)m).Value))));
        await restart;
        await a.Resolve(late.Address).TellAsync(Int(3));

        Assert.That(await handled.NextAsync(), Is.EqualTo(3));
        Assert.That(await QueueExistsAsync("r2ec.aq-outage.actor.node-b.user.late"), Is.True);
    }

    [Test]
    public async Task The_queue_of_an_actor_whose_node_crashed_for_good_expires()
    {
        await using var nodes = new ClusterNodes(_broker, "aq-expiry");
        var crashed = await nodes.FabricAsync(nodes.Options with { AbandonedQueueExpiry = TimeSpan.FromSeconds(1) });
        var system = new ActorSystem("node-b", fabric: crashed);
        system.Spawn("learner", LambdaActor.Props((_, _) => { }));
        const string queue = "r2ec.aq-expiry.actor.node-b.user.learner";
        Assert.That(await QueueExistsAsync(queue), Is.True);

        await crashed.DisposeAsync();
        await system.DisposeAsync();

        // A declaration counts as a use and restarts the expiry clock, so look only now and then.
        var gone = false;
        for (var look = 0; look < 20 && !gone; look++)
        {
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            gone = !await QueueExistsAsync(queue);
        }
        Assert.That(gone, Is.True, "the abandoned queue expired");
        Assert.That(await QueueExistsAsync("r2ec.aq-expiry.node.node-b"), Is.False, "the node's queue expired with it");
    }

    [Test]
    public async Task Messages_from_one_sender_are_handled_in_the_order_sent()
    {
        await using var nodes = new ClusterNodes(_broker, "aq-order");
        var (a, _) = await nodes.StartAsync("node-a");
        var (b, _) = await nodes.StartAsync("node-b");
        var handled = new Inbox<int>();
        var learner = b.Spawn("learner", LambdaActor.Props(async (_, m) =>
        {
            if (((Int32Value)m).Value % 25 == 0) await Task.Delay(20); // let the prefetch window fill
            handled.Add(((Int32Value)m).Value);
        }));

        const int count = 200;
        var remote = a.Resolve(learner.Address);
        for (var i = 0; i < count; i++) await remote.TellAsync(Int(i));

        Assert.That(await handled.TakeAsync(count), Is.EqualTo(Enumerable.Range(0, count)));
    }

    [Test]
    public async Task A_repeat_of_a_message_the_actor_already_handled_is_dropped_by_id()
    {
        await using var nodes = new ClusterNodes(_broker, "aq-dedup");
        var (_, fabricA) = await nodes.StartAsync("node-a");
        var (b, _) = await nodes.StartAsync("node-b");
        var handled = new Inbox<(int, string)>();
        var learner = b.Spawn("learner", LambdaActor.Props((c, m) => handled.Add((((Int32Value)m).Value, c.MessageId))));
        var original = new Envelope(Int(1), null, "rollout-1");

        await fabricA.SendAsync(learner.Address, original, default);
        Assert.That(await handled.NextAsync(), Is.EqualTo((1, "rollout-1")));
        await fabricA.SendAsync(learner.Address, original, default); // as a publish repeated after a lost confirm
        await fabricA.SendAsync(learner.Address, new Envelope(Int(2), null, "rollout-2"), default);

        Assert.That(await handled.NextAsync(), Is.EqualTo((2, "rollout-2")), "the repeat was not handled");
    }

    [Test]
    public async Task A_dropped_Terminated_is_acknowledged_so_the_actors_queue_keeps_flowing()
    {
        await using var nodes = new ClusterNodes(_broker, "aq-dropped");
        var fabricA = await nodes.FabricAsync(nodes.Options with { ActorPrefetch = 1 });
        await using var a = new ActorSystem("node-a", fabric: fabricA);
        var (_, fabricB) = await nodes.StartAsync("node-b");
        var handled = new Inbox<string>();
        var coordinator = a.Spawn("coordinator", LambdaActor.Props((_, m) => handled.Add(m.Descriptor.Name)));
        var gone = new ActorAddress("node-b", "/user/worker");

        // Terminated of a watch the coordinator does not hold (it unwatched, or heard of the node's death already): dropped.
        for (var i = 0; i < 2; i++)
            await fabricB.SendAsync(coordinator.Address, ActorSystem.TerminatedEnvelope(gone, "stopped"), default);
        await fabricB.SendAsync(coordinator.Address, new Envelope(Int(7), null, "after"), default);

        Assert.That(await handled.NextAsync(), Is.EqualTo(Int32Value.Descriptor.Name), "with a prefetch of one, the queue moved past the drops");
        await a.ShutdownAsync(TimeSpan.Zero);
        await fabricA.DisposeAsync();
    }

    [Test]
    public async Task A_message_to_an_actor_that_is_not_running_is_a_dead_letter_of_its_node()
    {
        await using var nodes = new ClusterNodes(_broker, "aq-none");
        var (a, _) = await nodes.StartAsync("node-a");
        var (b, _) = await nodes.StartAsync("node-b");
        using var events = new EventRecorder(b);

        await a.Resolve(new ActorAddress("node-b", "/user/ghost")).TellAsync(Int(1));

        var letter = await events.NextAsync(ActorEventKind.DeadLetter, "/user/ghost");
        Assert.That(letter.Reason, Is.EqualTo("no live actor at this path (stopped or never started)"));
    }

    [Test]
    public void Names_longer_than_the_broker_allows_are_shortened_and_stay_distinct()
    {
        var names = new RabbitMqNames("job");
        var deep = new ActorAddress("node", "/user/" + string.Join('/', Enumerable.Repeat("segment", 40)));
        var other = new ActorAddress("node", "/user/" + string.Join('/', Enumerable.Repeat("segment", 41)));

        var queue = names.ActorQueue(deep);

        Assert.That(queue.Length, Is.EqualTo(RabbitMqNames.MaxNameBytes));
        Assert.That(names.ActorQueue(other), Is.Not.EqualTo(queue));
        Assert.That(RabbitMqNames.ActorRoutingKey(deep).Length, Is.LessThanOrEqualTo(RabbitMqNames.MaxNameBytes));
        Assert.That(names.ActorQueue(new ActorAddress("node", "/user/learner")), Is.EqualTo("r2ec.job.actor.node.user.learner"));
    }

    private Task<bool> QueueExistsAsync(string queue) => BrokerProbe.QueueExistsAsync(_broker, queue);
}
