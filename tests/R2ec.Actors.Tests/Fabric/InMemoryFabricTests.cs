using R2ec.Actors.Fabric;
using R2ec.Actors.Protocol;
using R2ec.Actors.Serialization;

namespace R2ec.Actors.Tests.Fabric;

public sealed class InMemoryFabricTests
{
    private static (ActorSystem A, ActorSystem B, InMemoryFabric Fabric) TwoNodes(MessageSerializer? serializer = null)
    {
        var fabric = new InMemoryFabric(serializer ?? Serializer());
        return (new ActorSystem("node-a", fabric: fabric), new ActorSystem("node-b", fabric: fabric), fabric);
    }

    /// <summary>Starts a coordinator on <paramref name="node"/> that watches <paramref name="target"/> and records what it receives.</summary>
    private static async Task<Inbox<IMessage>> WatchFromAsync(ActorSystem node, IActorRef target)
    {
        var seen = new Inbox<IMessage>();
        using var events = new EventRecorder(node);
        node.Spawn("coordinator", LambdaActor.Props((_, m) =>
        {
            seen.Add(m);
            return Task.CompletedTask;
        }, c =>
        {
            c.Watch(node.Resolve(target.Address));
            return Task.CompletedTask;
        }));
        await events.NextAsync(ActorEventKind.Started, "/user/coordinator");
        return seen;
    }

    [Test]
    public async Task A_remote_reference_looks_and_works_like_a_local_one()
    {
        var (a, b, _) = TwoNodes();
        await using var _a = a;
        await using var _b = b;
        var seen = new Inbox<string>();
        var learner = b.Spawn("learner", LambdaActor.Props((c, m) =>
        {
            seen.Add($"{((StringValue)m).Value} from {c.Sender?.Address}");
            c.Reply(Int(7));
        }));

        var remote = a.Resolve(learner.Address);
        remote.Tell(Text("hello"));
        var reply = await remote.AskAsync<Int32Value>(Text("ask"), TimeSpan.FromSeconds(10));

        Assert.That(await seen.NextAsync(), Is.EqualTo("hello from "));
        Assert.That(await seen.NextAsync(), Does.StartWith("ask from r2ec://node-a/temp/ask-"));
        Assert.That(reply.Value, Is.EqualTo(7));
    }

    [Test]
    public async Task A_message_that_cannot_cross_machines_fails_at_the_sender()
    {
        var (a, b, _) = TwoNodes(new MessageSerializer([StringValue.Descriptor]));
        await using var _a = a;
        await using var _b = b;
        var target = b.Spawn("x", LambdaActor.Props((_, _) => { }));
        Assert.Throws<MessageSerializationException>(() => a.Resolve(target.Address).Tell(Int(1)));
    }

    [Test]
    public async Task A_pool_gives_each_message_to_one_member_and_shares_the_work()
    {
        var (a, b, _) = TwoNodes();
        await using var _a = a;
        await using var _b = b;
        var handled = new Inbox<(string Worker, int Value)>();
        var pool = ActorAddress.Pool("rollout");
        Props Worker(string name) => LambdaActor.Props(async (_, m) =>
        {
            await Task.Yield();
            handled.Add((name, ((Int32Value)m).Value));
        }, c =>
        {
            c.JoinPool(pool);
            return Task.CompletedTask;
        });
        using var events = new EventRecorder(b);
        a.Spawn("rollout-1", Worker("a1"));
        b.Spawn("rollout-2", Worker("b2"));
        b.Spawn("rollout-3", Worker("b3"));
        await events.NextAsync(ActorEventKind.Started, "/user/rollout-3");

        var requests = a.Resolve(pool);
        for (var i = 0; i < 90; i++) requests.Tell(Int(i));
        var all = await handled.TakeAsync(90);

        Assert.That(all.Select(h => h.Value).Order(), Is.EqualTo(Enumerable.Range(0, 90)), "each message exactly once");
        Assert.That(all.Select(h => h.Worker).Distinct().Count(), Is.EqualTo(3), "every member took work");
    }

    [Test]
    public async Task Pool_messages_wait_for_a_member()
    {
        await using var system = Create();
        var pool = system.Resolve(ActorAddress.Pool("late"));
        pool.Tell(Int(1));
        var handled = new Inbox<int>();
        var worker = system.Spawn("w", LambdaActor.Props((_, m) => handled.Add(((Int32Value)m).Value)));
        system.JoinPool(pool.Address, worker);
        Assert.That(await handled.NextAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task Unfinished_pool_messages_of_a_lost_node_are_redelivered_to_another_member()
    {
        var (a, b, fabric) = TwoNodes();
        await using var _a = a;
        var pool = ActorAddress.Pool("rollout");
        var entered = new Inbox<int>();
        var stuck = new TaskCompletionSource();
        var doomed = b.Spawn("doomed", LambdaActor.Props(async (_, m) =>
        {
            entered.Add(((Int32Value)m).Value);
            await stuck.Task;
        }));
        b.JoinPool(pool, doomed);
        a.Resolve(pool).Tell(Int(42));
        Assert.That(await entered.NextAsync(), Is.EqualTo(42));

        var redelivered = new Inbox<(int, bool)>();
        var survivor = a.Spawn("survivor", LambdaActor.Props((c, m) => redelivered.Add((((Int32Value)m).Value, c.Redelivered))));
        a.JoinPool(pool, survivor);
        fabric.Detach("node-b"); // the node is lost with message 42 unfinished

        Assert.That(await redelivered.NextAsync(), Is.EqualTo((42, true)));
        stuck.SetResult();
        await b.DisposeAsync();
    }

    [Test]
    public async Task Pool_messages_left_in_a_stopping_members_mailbox_go_back_to_the_pool()
    {
        await using var system = Create();
        var pool = ActorAddress.Pool("work");
        var entered = new Inbox<int>();
        var gate = new TaskCompletionSource();
        var first = system.Spawn("first", LambdaActor.Props(async (_, m) =>
        {
            entered.Add(((Int32Value)m).Value);
            await gate.Task;
        }));
        system.JoinPool(pool, first, prefetch: 2);
        system.Resolve(pool).Tell(Int(1));
        system.Resolve(pool).Tell(Int(2));
        Assert.That(await entered.NextAsync(), Is.EqualTo(1));

        var stopping = system.StopAsync(first);
        gate.SetResult();
        await stopping;
        var second = new Inbox<int>();
        system.JoinPool(pool, system.Spawn("second", LambdaActor.Props((_, m) => second.Add(((Int32Value)m).Value))));

        Assert.That(await second.NextAsync(), Is.EqualTo(2));
    }

    [Test]
    public async Task A_topic_broadcasts_to_every_subscriber_on_every_node()
    {
        var (a, b, _) = TwoNodes();
        await using var _a = a;
        await using var _b = b;
        var topic = ActorAddress.Topic("weights");
        var seen = new Inbox<string>();
        Props Subscriber(string name) => LambdaActor.Props((_, m) => seen.Add($"{name}:{((Int32Value)m).Value}"));
        a.Subscribe(topic, a.Spawn("learner", Subscriber("learner")));
        b.Subscribe(topic, b.Spawn("rollout-1", Subscriber("r1")));
        b.Subscribe(topic, b.Spawn("rollout-2", Subscriber("r2")));

        a.Resolve(topic).Tell(Int(3));

        Assert.That((await seen.TakeAsync(3)).Order(), Is.EqualTo(new[] { "learner:3", "r1:3", "r2:3" }));
    }

    [Test]
    public async Task Death_watch_crosses_nodes()
    {
        var (a, b, _) = TwoNodes();
        await using var _a = a;
        await using var _b = b;
        var target = b.Spawn("learner", LambdaActor.Props((_, _) => { }));
        var seen = await WatchFromAsync(a, target);

        await b.StopAsync(target);

        var terminated = (Terminated)await seen.NextAsync();
        Assert.That(terminated.Actor, Is.EqualTo("r2ec://node-b/user/learner"));
    }

    [Test]
    public async Task Losing_a_node_terminates_the_watches_of_its_actors()
    {
        var (a, b, fabric) = TwoNodes();
        await using var _a = a;
        await using var _b = b;
        var target = b.Spawn("rollout-1", LambdaActor.Props((_, _) => { }));
        var seen = await WatchFromAsync(a, target);

        fabric.Detach("node-b");

        Assert.That(((Terminated)await seen.NextAsync()).Actor, Is.EqualTo("r2ec://node-b/user/rollout-1"));
    }

    [Test]
    public async Task A_message_to_an_unknown_node_is_a_dead_letter_at_the_sender()
    {
        await using var system = Create();
        using var events = new EventRecorder(system);
        system.Resolve(new ActorAddress("elsewhere", "/user/x")).Tell(Int(1));
        var dead = await events.NextAsync(ActorEventKind.DeadLetter, "/user/x");
        Assert.That(dead.Reason, Does.Contain("elsewhere"));
    }
}
