using R2ec.Actors.Fabric;
using R2ec.Actors.Protocol;

namespace R2ec.Actors.Tests.Runtime;

public sealed class NodeDownTests
{
    private static (ActorSystem A, ActorSystem B) TwoNodes()
    {
        var fabric = new InMemoryFabric(Serializer());
        return (new ActorSystem("node-a", fabric: fabric), new ActorSystem("node-b", fabric: fabric));
    }

    /// <summary>
    /// A watcher on <paramref name="node"/> of <paramref name="target"/> that records every message; on "unwatch" it
    /// unwatches the target and records that it did.
    /// </summary>
    private static async Task<(IActorRef Watcher, Inbox<IMessage> Seen)> WatcherAsync(ActorSystem node, IActorRef target)
    {
        var seen = new Inbox<IMessage>();
        using var events = new EventRecorder(node);
        var remote = node.Resolve(target.Address);
        var watcher = node.Spawn("watcher", LambdaActor.Props((c, m) =>
        {
            if (m is StringValue { Value: "unwatch" }) c.Unwatch(remote);
            seen.Add(m);
            return Task.CompletedTask;
        }, c =>
        {
            c.Watch(remote);
            return Task.CompletedTask;
        }));
        await events.NextAsync(ActorEventKind.Started, "/user/watcher");
        return (watcher, seen);
    }

    [Test]
    public async Task A_node_declared_down_terminates_the_watches_of_its_actors_exactly_once()
    {
        var (a, b) = TwoNodes();
        await using var _a = a;
        await using var _b = b;
        using var events = new EventRecorder(a);
        var target = b.Spawn("rollout-1", LambdaActor.Props((_, _) => { }));
        var (watcher, seen) = await WatcherAsync(a, target);

        a.NodeDown("node-b", "crashed");

        var terminated = (Terminated)await seen.NextAsync();
        Assert.That(terminated.Actor, Is.EqualTo("r2ec://node-b/user/rollout-1"));
        Assert.That(terminated.Reason, Does.Contain("node 'node-b' is down").And.Contain("crashed"));
        var down = await events.Inbox.NextAsync(e => e.Kind == ActorEventKind.NodeDown);
        Assert.That((down.Node, down.Reason), Is.EqualTo(("node-b", "crashed (watches of its actors terminated: 1)")));

        // The node was not dead after all: its late Terminated for the same watch is dropped, not delivered again.
        await b.StopAsync(target);
        watcher.Tell(Int(1));
        Assert.That(await seen.NextAsync(), Is.EqualTo(Int(1)));
    }

    [Test]
    public async Task A_watch_ended_by_unwatch_hears_nothing_when_the_node_goes_down()
    {
        var (a, b) = TwoNodes();
        await using var _a = a;
        await using var _b = b;
        var target = b.Spawn("rollout-1", LambdaActor.Props((_, _) => { }));
        var (watcher, seen) = await WatcherAsync(a, target);
        watcher.Tell(Text("unwatch"));
        Assert.That(await seen.NextAsync(), Is.EqualTo(Text("unwatch")));

        a.NodeDown("node-b", "crashed");
        await b.StopAsync(target);
        watcher.Tell(Int(2));

        Assert.That(await seen.NextAsync(), Is.EqualTo(Int(2)));
    }

    [Test]
    public async Task A_real_terminated_ends_the_watch_so_a_later_node_down_tells_nothing_more()
    {
        var (a, b) = TwoNodes();
        await using var _a = a;
        await using var _b = b;
        var target = b.Spawn("learner", LambdaActor.Props((_, _) => { }));
        var (watcher, seen) = await WatcherAsync(a, target);

        await b.StopAsync(target);
        Assert.That(((Terminated)await seen.NextAsync()).Reason, Is.EqualTo("stopped by request"));
        a.NodeDown("node-b", "left");
        watcher.Tell(Int(3));

        Assert.That(await seen.NextAsync(), Is.EqualTo(Int(3)));
    }
}
