using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using R2ec.Actors.Addressing;
using R2ec.Actors.Events;
using R2ec.Actors.Fabric;
using R2ec.Actors.Fabric.RabbitMq;
using R2ec.Actors.Protocol;
using R2ec.Actors.Runtime;
using R2ec.Actors.Tests.Support;
using R2ec.Cluster.Tests.Broker;
using R2ec.Cluster.Tests.Support;
using RabbitMQ.Client;
using static R2ec.Cluster.Tests.Support.ClusterNodes;

namespace R2ec.Cluster.Tests.Fabric;

/// <summary>
/// The RabbitMQ fabric against a private broker: one broker for the test assembly, a job of its own for every test
/// (so tests cannot see each other), and every node on its own connection, as separate processes would be.
/// </summary>
[NonParallelizable]
public sealed class RabbitMqFabricTests
{
    private RabbitMqBroker _broker = null!;

    [OneTimeSetUp]
    public void StartBroker() => _broker = SharedBroker.Instance;

    [Test]
    public async Task A_message_reaches_an_actor_on_another_node_and_its_reply_comes_back()
    {
        await using var nodes = new ClusterNodes(_broker, "p2p");
        var (a, _) = await nodes.StartAsync("node-a");
        var (b, _) = await nodes.StartAsync("node-b");
        var seen = new Inbox<string>();
        var learner = b.Spawn("learner", LambdaActor.Props((c, m) =>
        {
            seen.Add($"{((StringValue)m).Value} from {c.Sender?.Address}");
            if (c.Sender is not null) c.Reply(Int(7));
        }));

        var remote = a.Resolve(learner.Address);
        await remote.TellAsync(Text("hello"));
        var reply = await remote.AskAsync<Int32Value>(Text("ask"), TimeSpan.FromSeconds(20));

        Assert.That(await seen.NextAsync(), Is.EqualTo("hello from "));
        Assert.That(await seen.NextAsync(), Does.StartWith("ask from r2ec://node-a/temp/ask-"));
        Assert.That(reply.Value, Is.EqualTo(7));
    }

    [Test]
    public async Task A_message_to_a_node_that_is_not_attached_is_a_dead_letter_at_the_sender()
    {
        await using var nodes = new ClusterNodes(_broker, "noroute");
        var (a, _) = await nodes.StartAsync("node-a");
        var dead = new Inbox<ActorEvent>();
        using var _ = a.Events.Subscribe(e =>
        {
            if (e.Kind == ActorEventKind.DeadLetter) dead.Add(e);
        });

        await a.Resolve(new ActorAddress("nowhere", "/user/x")).TellAsync(Int(1));

        var letter = await dead.NextAsync();
        Assert.That(letter.Reason, Does.Contain("no route to node 'nowhere'"));
    }

    [Test]
    public async Task A_pool_shares_its_work_and_a_slow_member_takes_less()
    {
        await using var nodes = new ClusterNodes(_broker, "pool");
        var (a, _) = await nodes.StartAsync("node-a");
        var (b, _) = await nodes.StartAsync("node-b");
        var pool = ActorAddress.Pool("rollout");
        var handled = new Inbox<(string Worker, int Value)>();
        Props Worker(string name, int millis) => LambdaActor.Props(async (_, m) =>
        {
            await Task.Delay(millis);
            handled.Add((name, ((Int32Value)m).Value));
        });
        a.JoinPool(pool, a.Spawn("fast", Worker("fast", 5)));
        b.JoinPool(pool, b.Spawn("slow", Worker("slow", 80)));

        const int count = 40;
        var requests = a.Resolve(pool);
        for (var i = 0; i < count; i++) await requests.TellAsync(Int(i));
        var all = await handled.TakeAsync(count);

        var fast = all.Count(h => h.Worker == "fast");
        var slow = all.Count(h => h.Worker == "slow");
        TestContext.Out.WriteLine($"fast member handled {fast}, slow member {slow}");
        Assert.That(all.Select(h => h.Value).Order(), Is.EqualTo(Enumerable.Range(0, count)), "each message once");
        Assert.That(slow, Is.GreaterThan(0), "the slow member took work too");
        Assert.That(fast, Is.GreaterThan(slow), "prefetch 1: the faster member takes more");
    }

    [Test]
    public async Task Pool_messages_wait_for_a_member()
    {
        await using var nodes = new ClusterNodes(_broker, "wait");
        var (a, _) = await nodes.StartAsync("node-a");
        var pool = ActorAddress.Pool("late");
        await a.Resolve(pool).TellAsync(Int(1));
        var handled = new Inbox<int>();

        a.JoinPool(pool, a.Spawn("w", LambdaActor.Props((_, m) => handled.Add(((Int32Value)m).Value))));

        Assert.That(await handled.NextAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task A_pool_message_unfinished_when_its_consumers_connection_dies_is_redelivered_to_another_member()
    {
        await using var nodes = new ClusterNodes(_broker, "redeliver");
        var (a, _) = await nodes.StartAsync("node-a");
        var fabricB = await nodes.FabricAsync();
        var b = new ActorSystem("node-b", fabric: fabricB);
        var pool = ActorAddress.Pool("rollout");
        var entered = new Inbox<int>();
        var stuck = new TaskCompletionSource();
        b.JoinPool(pool, b.Spawn("doomed", LambdaActor.Props(async (_, m) =>
        {
            entered.Add(((Int32Value)m).Value);
            await stuck.Task;
        })));
        await a.Resolve(pool).TellAsync(Int(42));
        Assert.That(await entered.NextAsync(), Is.EqualTo(42));

        var redelivered = new Inbox<(int, bool)>();
        a.JoinPool(pool, a.Spawn("survivor", LambdaActor.Props((c, m) => redelivered.Add((((Int32Value)m).Value, c.Redelivered)))));
        await fabricB.DisposeAsync(); // the node's connection dies with message 42 unacknowledged

        Assert.That(await redelivered.NextAsync(), Is.EqualTo((42, true)));
        stuck.SetResult();
        await b.DisposeAsync();
    }

    [Test]
    public async Task A_topic_broadcast_reaches_every_subscriber_on_every_node()
    {
        await using var nodes = new ClusterNodes(_broker, "topic");
        var (a, _) = await nodes.StartAsync("node-a");
        var (b, _) = await nodes.StartAsync("node-b");
        var topic = ActorAddress.Topic("weights");
        var seen = new Inbox<string>();
        Props Listener(string name) => LambdaActor.Props((_, m) => seen.Add($"{name}:{((Int32Value)m).Value}"));
        a.Subscribe(topic, a.Spawn("w1", Listener("a1")));
        b.Subscribe(topic, b.Spawn("w2", Listener("b2")));
        b.Subscribe(topic, b.Spawn("w3", Listener("b3")));

        await a.Resolve(topic).TellAsync(Int(5));

        var got = await seen.TakeAsync(3);
        Assert.That(got.Order(), Is.EqualTo(new[] { "a1:5", "b2:5", "b3:5" }));
    }

    [Test]
    public async Task Death_watch_crosses_nodes()
    {
        await using var nodes = new ClusterNodes(_broker, "watch");
        var (a, _) = await nodes.StartAsync("node-a");
        var (b, _) = await nodes.StartAsync("node-b");
        var worker = b.Spawn("worker", LambdaActor.Props((_, _) => { }));
        var terminated = new Inbox<string>();
        var watching = new TaskCompletionSource();
        a.Spawn("coordinator", LambdaActor.Props((_, m) =>
        {
            terminated.Add(((Terminated)m).Actor);
            return Task.CompletedTask;
        }, c =>
        {
            c.Watch(c.System.Resolve(worker.Address));
            watching.SetResult();
            return Task.CompletedTask;
        }));
        await watching.Task;
        // The watch request travels through node-b's node queue, as an Ask reply to node-b does, so after a round trip it
        // has most likely been taken; one that came after the stop would be answered "not running", a Terminated too.
        var probe = a.Spawn("probe", LambdaActor.Props((c, _) => c.Reply(Int(0))));
        await b.Resolve(probe.Address).AskAsync<Int32Value>(Int(0), TimeSpan.FromSeconds(20));

        await b.StopAsync(worker);

        Assert.That(await terminated.NextAsync(), Is.EqualTo("r2ec://node-b/user/worker"));
    }

    [Test]
    public async Task A_pool_keeps_consuming_across_a_broker_restart_and_each_message_is_handled_once_after_dedup()
    {
        var log = new TestLog(Serilog.Events.LogEventLevel.Information);
        await using var nodes = new ClusterNodes(_broker, "restart", log.Logger);
        var (a, _) = await nodes.StartAsync("node-a");
        var (b, _) = await nodes.StartAsync("node-b");
        var pool = ActorAddress.Pool("work");
        var dedup = new MessageDeduplicator(1024);
        var handled = new ConcurrentQueue<int>();
        var deliveries = 0;
        Props Worker() => LambdaActor.Props(async (c, m) =>
        {
            Interlocked.Increment(ref deliveries);
            await Task.Delay(20);
            if (dedup.TryAccept(c.MessageId)) handled.Enqueue(((Int32Value)m).Value);
        });
        a.JoinPool(pool, a.Spawn("worker-1", Worker()), prefetch: 2);
        b.JoinPool(pool, b.Spawn("worker-2", Worker()), prefetch: 2);

        const int count = 60;
        var requests = a.Resolve(pool);
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                await requests.TellAsync(Int(i));
                await Task.Delay(15);
            }
        });
        await Eventually.Until(() => handled.Count >= count / 4, "a quarter of the stream before the restart");
        _broker.Restart(TimeSpan.FromSeconds(120), graceful: false);
        try
        {
            await sending.WaitAsync(TimeSpan.FromSeconds(120));
        }
        finally
        {
            TestContext.Out.WriteLine(_broker.ErrorLog());
        }
        await Eventually.Until(() => handled.Count >= count, "every message after the restart");
        await Task.Delay(500); // a late duplicate would show here

        TestContext.Out.WriteLine($"{deliveries} deliveries for {count} messages; {deliveries - handled.Count} repeats dropped by id");
        Assert.That(handled.Order(), Is.EqualTo(Enumerable.Range(0, count)), "every message handled exactly once");
    }

    [Test]
    public async Task A_pool_message_whose_handler_threw_is_delivered_again_marked_redelivered()
    {
        await using var nodes = new ClusterNodes(_broker, "handler-threw");
        var (a, _) = await nodes.StartAsync("node-a");
        var pool = ActorAddress.Pool("rollout");
        var deliveries = new Inbox<(int, bool)>();
        var worker = LambdaActor.Props((c, m) =>
        {
            deliveries.Add((((Int32Value)m).Value, c.Redelivered));
            if (!c.Redelivered) throw new InvalidOperationException("injected rollout failure");
        }) with { Supervision = new() { MinBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMilliseconds(10) } };
        a.JoinPool(pool, a.Spawn("worker", worker));

        await a.Resolve(pool).TellAsync(Int(5));

        Assert.That(await deliveries.TakeAsync(2), Is.EqualTo(new[] { (5, false), (5, true) }));
    }

    [Test]
    public async Task A_pool_message_returned_too_often_goes_to_the_dead_letter_queue()
    {
        await using var nodes = new ClusterNodes(_broker, "dlx");
        var options = nodes.Options with { DeliveryLimit = 2 };
        await using var fabric = await nodes.FabricAsync(options);
        var node = new ReturningNode("returner");
        fabric.Attach(node);
        var pool = ActorAddress.Pool("poison");
        fabric.JoinPool(pool, new ActorAddress("returner", "/user/w"), 1);

        await fabric.SendAsync(pool, new Envelope(Int(13), null, "poison-13"), default);

        var dead = await BrokerProbe.NextAsync(_broker, fabric.DeadLetterQueue);
        TestContext.Out.WriteLine($"delivered {node.Deliveries} times before dead-lettering");
        Assert.That(dead.BasicProperties.MessageId, Is.EqualTo("poison-13"));
        Assert.That(node.Deliveries, Is.InRange(options.DeliveryLimit, options.DeliveryLimit + 1));
        var (target, messageId, reason) = await node.DeadLetters.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.That((target, messageId), Is.EqualTo((pool, "poison-13")), "the node that gave up records a dead letter too");
        Assert.That(reason, Does.Contain("past the delivery limit of 2"));
        fabric.Detach("returner");
    }

    [Test]
    public async Task A_pool_message_whose_consumers_keep_dying_goes_to_the_dead_letter_queue()
    {
        await using var nodes = new ClusterNodes(_broker, "crashloop");
        var options = nodes.Options with { DeliveryLimit = 1 };
        var pool = ActorAddress.Pool("poison");
        var holders = new List<HoldingNode>();
        async Task<RabbitMqFabric> Worker(string name)
        {
            var fabric = await nodes.FabricAsync(options);
            var node = new HoldingNode(name);
            holders.Add(node);
            fabric.Attach(node);
            fabric.JoinPool(pool, new ActorAddress(name, "/user/w"), 1);
            return fabric;
        }

        var first = await Worker("crash-1");
        await first.SendAsync(pool, new Envelope(Int(66), null, "poison-66"), default);
        await holders[0].Held.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await first.DisposeAsync(); // the worker dies holding it
        var second = await Worker("crash-2");
        Assert.That(await holders[1].Held.Task.WaitAsync(TimeSpan.FromSeconds(20)), Is.True, "redelivered after the first death");
        await second.DisposeAsync(); // and again: past the limit of one
        await using var third = await Worker("crash-3");

        var dead = await BrokerProbe.NextAsync(_broker, third.DeadLetterQueue);
        Assert.That(dead.BasicProperties.MessageId, Is.EqualTo("poison-66"));
        Assert.That(holders[2].Held.Task.IsCompleted, Is.False, "the third worker never got it");
        third.Detach("crash-3");
    }

    [Test]
    public async Task Two_jobs_on_one_broker_do_not_see_each_others_messages()
    {
        await using var first = new ClusterNodes(_broker, "job-1");
        await using var second = new ClusterNodes(_broker, "job-2");
        var (one, _) = await first.StartAsync("node");
        var (two, _) = await second.StartAsync("node");
        var pool = ActorAddress.Pool("work");
        var topic = ActorAddress.Topic("weights");
        var seenByOne = new Inbox<string>();
        var seenByTwo = new Inbox<string>();
        void Wire(ActorSystem system, Inbox<string> seen)
        {
            var inbox = system.Spawn("inbox", LambdaActor.Props((_, m) => seen.Add(((StringValue)m).Value)));
            system.JoinPool(pool, inbox);
            system.Subscribe(topic, inbox);
        }
        Wire(one, seenByOne);
        Wire(two, seenByTwo);

        await one.Resolve(new ActorAddress("node", "/user/inbox")).TellAsync(Text("direct"));
        await one.Resolve(pool).TellAsync(Text("pool"));
        await one.Resolve(topic).TellAsync(Text("topic"));
        await two.Resolve(new ActorAddress("node", "/user/inbox")).TellAsync(Text("marker"));

        Assert.That((await seenByOne.TakeAsync(3)).Order(), Is.EqualTo(new[] { "direct", "pool", "topic" }));
        Assert.That(await seenByTwo.NextAsync(), Is.EqualTo("marker"), "job 2 saw only its own message");
        await Task.Delay(300);
        Assert.That(seenByTwo.TryTake(out var leaked), Is.False, $"job 2 received job 1's '{leaked}'");
    }

    [Test]
    public async Task A_refused_password_appears_neither_in_the_error_nor_in_the_log()
    {
        const string password = "wr0ng-Secret-4711";
        var log = new TestLog();
        var nodes = new ClusterNodes(_broker, "secret", log.Logger);
        var options = nodes.Options with { Credentials = new RabbitMqCredentials("guest", password) };

        var error = Assert.ThrowsAsync<RabbitMQ.Client.Exceptions.BrokerUnreachableException>(() => nodes.FabricAsync(options));

        Assert.That(log.Text, Does.Contain("User=\"guest\""), "the connection attempt is logged with its user");
        Assert.That(log.Text, Does.Not.Contain(password));
        Assert.That(error!.ToString(), Does.Not.Contain(password));
    }

    /// <summary>A node that holds its first pool delivery forever, as a worker that hangs or crashes on it.</summary>
    private sealed class HoldingNode(string name) : IFabricNode
    {
        public string Node => name;

        public TaskCompletionSource<bool> Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask DeliverAsync(ActorAddress target, Envelope envelope, CancellationToken cancellationToken)
        {
            Held.TrySetResult(envelope.Redelivered);
            return default;
        }

        public void AddWatcher(string path, ActorAddress watcher) { }

        public void RemoveWatcher(string path, ActorAddress watcher) { }

        public void DeadLetter(ActorAddress target, Envelope envelope, string reason) { }
    }

    /// <summary>A node whose every pool delivery is handed back unfinished, as a worker that keeps crashing on a poison message.</summary>
    private sealed class ReturningNode(string name) : IFabricNode
    {
        private int _deliveries;

        public string Node => name;

        public int Deliveries => Volatile.Read(ref _deliveries);

        public TaskCompletionSource<(ActorAddress Target, string MessageId, string Reason)> DeadLetters { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask DeliverAsync(ActorAddress target, Envelope envelope, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _deliveries);
            envelope.Receipt!.Return();
            return default;
        }

        public void AddWatcher(string path, ActorAddress watcher) { }

        public void RemoveWatcher(string path, ActorAddress watcher) { }

        public void DeadLetter(ActorAddress target, Envelope envelope, string reason) => DeadLetters.TrySetResult((target, envelope.MessageId, reason));
    }
}
