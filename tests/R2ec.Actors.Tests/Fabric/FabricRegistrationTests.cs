using Google.Protobuf.WellKnownTypes;
using R2ec.Actors.Addressing;
using R2ec.Actors.Fabric;
using R2ec.Actors.Runtime;
using R2ec.Actors.Tests.Support;
using static R2ec.Actors.Tests.Support.TestSystems;

namespace R2ec.Actors.Tests.Fabric;

/// <summary>
/// The actor system tells its fabric which named actors exist (so a broker fabric can keep a queue per actor): every
/// actor under /user from its spawn until it has stopped for good, not the guardian, not Ask slots, and a restart
/// changes nothing.
/// </summary>
public sealed class FabricRegistrationTests
{
    [Test]
    public async Task Actors_and_their_children_are_registered_from_spawn_until_they_have_stopped()
    {
        var fabric = new RecordingFabric();
        await using var system = new ActorSystem("node", fabric: fabric);
        var child = new TaskCompletionSource<IActorRef>();
        var parent = system.Spawn("parent", LambdaActor.Props((_, _) => Task.CompletedTask, c =>
        {
            child.SetResult(c.Spawn("child", LambdaActor.Props((_, _) => { })));
            return Task.CompletedTask;
        }));
        await child.Task;
        var echo = system.Spawn("echo", LambdaActor.Props((c, _) => c.Reply(Int(1))));
        await echo.AskAsync<Int32Value>(Int(0), TimeSpan.FromSeconds(20));

        Assert.That(fabric.Events, Is.EqualTo(new[] { "+/user/parent", "+/user/parent/child", "+/user/echo" }),
            "no guardian, no Ask slot");
        await system.StopAsync(parent);

        Assert.That(fabric.Events.Skip(3),
            Is.EqualTo(new[] { "forget /user/parent", "forget /user/parent/child", "-/user/parent/child", "-/user/parent" }),
            "children stop first; each is forgotten when it starts stopping and unregistered once it has stopped");
    }

    [Test]
    public async Task A_supervised_restart_keeps_the_registration()
    {
        var fabric = new RecordingFabric();
        await using var system = new ActorSystem("node", fabric: fabric);
        var handled = new Inbox<int>();
        var flaky = system.Spawn("flaky", LambdaActor.Props((_, m) =>
        {
            if (((Int32Value)m).Value == 0) throw new InvalidOperationException("injected");
            handled.Add(((Int32Value)m).Value);
        }) with { Supervision = FastSupervision() });

        await flaky.TellAsync(Int(0));
        await flaky.TellAsync(Int(1));

        Assert.That(await handled.NextAsync(), Is.EqualTo(1), "handled by the restarted instance");
        Assert.That(fabric.Events, Is.EqualTo(new[] { "+/user/flaky" }));
    }

    [Test]
    public async Task A_spawn_the_fabric_refuses_leaves_no_actor_behind()
    {
        var fabric = new RecordingFabric { Refuse = "/user/refused" };
        await using var system = new ActorSystem("node", fabric: fabric);

        Assert.Throws<IOException>(() => system.Spawn("refused", LambdaActor.Props((_, _) => { })));

        Assert.That(system.Resolve(new ActorAddress("node", "/user/refused")), Is.Not.InstanceOf<ActorCell>(), "not registered locally");
        Assert.Throws<IOException>(() => system.Spawn("refused", LambdaActor.Props((_, _) => { })), "refused again, not 'already running'");
    }

    /// <summary>An in-memory fabric that records what the actor system tells it about its actors.</summary>
    private sealed class RecordingFabric : IFabric
    {
        private readonly InMemoryFabric _inner = new();
        private readonly Lock _gate = new();
        private readonly List<string> _events = [];

        public string? Refuse { get; init; }

        public string[] Events
        {
            get
            {
                lock (_gate) return [.. _events];
            }
        }

        public void Register(ActorAddress actor)
        {
            if (actor.Path == Refuse) throw new IOException("broker refused the queue");
            Record("+" + actor.Path);
        }

        public Task UnregisterAsync(ActorAddress actor)
        {
            Record("-" + actor.Path);
            return Task.CompletedTask;
        }

        public void Forget(ActorAddress member)
        {
            Record("forget " + member.Path);
            _inner.Forget(member);
        }

        public void Attach(IFabricNode node) => _inner.Attach(node);

        public void Detach(string node) => _inner.Detach(node);

        public ValueTask<bool> SendAsync(ActorAddress target, Envelope envelope, CancellationToken cancellationToken) =>
            _inner.SendAsync(target, envelope, cancellationToken);

        public void JoinPool(ActorAddress pool, ActorAddress member, int prefetch) => _inner.JoinPool(pool, member, prefetch);

        public void Subscribe(ActorAddress topic, ActorAddress subscriber) => _inner.Subscribe(topic, subscriber);

        public void Watch(ActorAddress target, ActorAddress watcher) => _inner.Watch(target, watcher);

        public void Unwatch(ActorAddress target, ActorAddress watcher) => _inner.Unwatch(target, watcher);

        private void Record(string e)
        {
            lock (_gate) _events.Add(e);
        }
    }
}
