using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using R2ec.Actors.Addressing;
using R2ec.Actors.Fabric.RabbitMq;
using R2ec.Actors.Membership;
using R2ec.Actors.Protocol;
using R2ec.Actors.Runtime;
using R2ec.Actors.Serialization;
using R2ec.Actors.Tests.Support;
using R2ec.Cluster.Tests.Broker;
using R2ec.Cluster.Tests.Support;

namespace R2ec.Cluster.Tests.Membership;

/// <summary>Heartbeats over the broker's topic, the coordinator's monitor, a node leaving gracefully and a node crashing.</summary>
[NonParallelizable]
public sealed class MembershipOverRabbitMqTests
{
    private static readonly MembershipOptions Options = new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        SuspectAfter = TimeSpan.FromSeconds(2),
        RemoveAfter = TimeSpan.FromSeconds(1),
        MinimumMembers = new Dictionary<string, int> { ["rollout"] = 2 },
    };

    private static MessageSerializer Serializer() =>
        new([Int32Value.Descriptor, StringValue.Descriptor, .. MembershipMessages.Descriptors]);

    /// <summary>A coordinator node running the monitor and a worker node announcing itself; returns once the worker is up.</summary>
    private static async Task<(ActorSystem Coordinator, ActorSystem Worker, RabbitMqFabric WorkerFabric, Inbox<string> Changes)>
        CoordinatorAndWorkerAsync(ClusterNodes nodes)
    {
        var (coordinator, _) = await nodes.StartAsync("coordinator");
        var changes = new Inbox<string>();
        var (props, _) = MembershipMonitor.Create(Options, e => changes.Add($"{e.Kind} {e.Member.Node}"));
        coordinator.Spawn("membership", props);
        var (worker, workerFabric) = await nodes.StartAsync("worker");
        worker.Spawn("heartbeat", HeartbeatAnnouncer.Props("rollout", 1, Options));
        Assert.That(await changes.NextAsync(c => c.StartsWith("MemberUp")), Is.EqualTo("MemberUp worker"));
        return (coordinator, worker, workerFabric, changes);
    }

    [Test]
    public async Task The_coordinator_sees_members_come_leave_and_vanish()
    {
        var log = new TestLog();
        await using var nodes = new ClusterNodes(SharedBroker.Instance, "members", log.Logger, Serializer());
        var (coordinator, _) = await nodes.StartAsync("coordinator");
        var changes = new Inbox<string>();
        var (props, state) = MembershipMonitor.Create(Options, e => changes.Add($"{e.Kind} {e.Member.Node}"));
        coordinator.Spawn("membership", props);
        var (w1, _) = await nodes.StartAsync("w1");
        var (w2, fabric2) = await nodes.StartAsync("w2");
        var announcer1 = w1.Spawn("heartbeat", HeartbeatAnnouncer.Props("rollout", 4, Options));
        Assert.That(state.Ready.IsCompleted, Is.False, "one rollout member of the two required");
        w2.Spawn("heartbeat", HeartbeatAnnouncer.Props("rollout", 2, Options));

        await state.Ready.WaitAsync(TimeSpan.FromSeconds(30));
        // Waits skip changes a loaded machine can add in between (a late heartbeat makes a member briefly unreachable).
        Assert.That(await changes.NextAsync(c => c.StartsWith("MemberUp")), Is.EqualTo("MemberUp w1").Or.EqualTo("MemberUp w2"));
        Assert.That(await changes.NextAsync(c => c.StartsWith("MemberUp")), Is.EqualTo("MemberUp w1").Or.EqualTo("MemberUp w2"));

        await w1.StopAsync(announcer1); // leaving: its last heartbeat says so
        var removal = await changes.NextAsync(c => c.StartsWith("MemberRemoved"));
        Assert.That(removal, Is.EqualTo("MemberRemoved w1"));
        Assert.That(state.Ready.IsCompleted, Is.True, "once ready, the job does not wait again");

        await fabric2.DisposeAsync(); // w2 crashes: its heartbeats stop
        await changes.NextAsync(c => c == "MemberUnreachable w2");
        Assert.That(await changes.NextAsync(c => c.StartsWith("MemberRemoved") || c.StartsWith("MemberUp")), Is.EqualTo("MemberRemoved w2"));
        Assert.That(log.Text, Does.Contain("MemberUp").And.Contain("MemberUnreachable").And.Contain("MemberRemoved"));
    }

    [Test]
    public async Task A_watcher_hears_terminated_when_the_watched_actors_node_crashes()
    {
        var log = new TestLog();
        await using var nodes = new ClusterNodes(SharedBroker.Instance, "node-down", log.Logger, Serializer());
        var (coordinator, worker, workerFabric, changes) = await CoordinatorAndWorkerAsync(nodes);
        var target = worker.Spawn("rollout-1", LambdaActor.Props((_, _) => { }));
        var seen = new Inbox<IMessage>();
        var watching = new TaskCompletionSource();
        coordinator.Spawn("watcher", LambdaActor.Props((_, m) =>
        {
            seen.Add(m);
            return Task.CompletedTask;
        }, c =>
        {
            c.Watch(coordinator.Resolve(target.Address));
            watching.SetResult();
            return Task.CompletedTask;
        }));
        await watching.Task.WaitAsync(TimeSpan.FromSeconds(20));

        await workerFabric.DisposeAsync(); // the worker's process dies: none of its actors stops, nobody sends Terminated

        var terminated = (Terminated)await seen.NextAsync();
        Assert.That(terminated.Actor, Is.EqualTo("r2ec://worker/user/rollout-1"));
        Assert.That(terminated.Reason, Does.Contain("node 'worker' is down").And.Contain("removed from the membership"));
        Assert.That(await changes.NextAsync(c => c.StartsWith("MemberRemoved")), Is.EqualTo("MemberRemoved worker"));
        Assert.That(log.Text, Does.Contain("Node \"worker\" is down"), "the node's loss is logged on the watching node");
    }

    [Test]
    public async Task SIGTERM_makes_the_node_leave_instead_of_killing_the_process()
    {
        var log = new TestLog();
        await using var nodes = new ClusterNodes(SharedBroker.Instance, "sigterm", log.Logger, Serializer());
        var (_, node, _, changes) = await CoordinatorAndWorkerAsync(nodes);
        using var leave = new GracefulLeave(node, TimeSpan.FromSeconds(1));

        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", Environment.ProcessId.ToString()]))
            await kill.WaitForExitAsync();

        await leave.Left.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(await changes.NextAsync(c => c.StartsWith("MemberRemoved")), Is.EqualTo("MemberRemoved worker"));
        Assert.That(log.Text, Does.Contain("Reason=\"SIGTERM\""), "the leave is logged with its cause");
    }

    [Test]
    public async Task A_leaving_node_stops_taking_work_finishes_what_it_holds_and_returns_the_rest()
    {
        await using var nodes = new ClusterNodes(SharedBroker.Instance, "leave", serializer: Serializer());
        var (stayer, _) = await nodes.StartAsync("stayer");
        var (leaver, _) = await nodes.StartAsync("leaver");
        var pool = ActorAddress.Pool("rollout");
        var handled = new Inbox<(string Node, int Value, bool Redelivered)>();
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        leaver.JoinPool(pool, leaver.Spawn("worker", LambdaActor.Props(async (c, m) =>
        {
            entered.TrySetResult();
            await release.Task;
            handled.Add(("leaver", ((Int32Value)m).Value, c.Redelivered));
        })), prefetch: 3);
        for (var i = 1; i <= 3; i++) await stayer.Resolve(pool).TellAsync(new Int32Value { Value = i });
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(20));

        using var leave = new GracefulLeave(leaver, drain: TimeSpan.Zero);
        leave.RequestLeave("test");
        // The stop request overtakes the mailbox within milliseconds; the message in progress finishes after it.
        await Task.Delay(1000);
        release.SetResult();
        await leave.Left.WaitAsync(TimeSpan.FromSeconds(30));
        stayer.JoinPool(pool, stayer.Spawn("worker", LambdaActor.Props((c, m) => handled.Add(("stayer", ((Int32Value)m).Value, c.Redelivered)))));

        var all = await handled.TakeAsync(3);
        Assert.That(all.Select(h => h.Value).Order(), Is.EqualTo(new[] { 1, 2, 3 }), "nothing lost, nothing twice");
        Assert.That(all.Count(h => h.Node == "leaver"), Is.EqualTo(1), "the message in progress was finished by the leaving node");
        Assert.That(all.Where(h => h.Node == "stayer").All(h => h.Redelivered), Is.True, "the rest came back to the pool");
        await Task.Delay(300);
        Assert.That(handled.TryTake(out var extra), Is.False, $"a repeat arrived: {extra}");
    }
}
