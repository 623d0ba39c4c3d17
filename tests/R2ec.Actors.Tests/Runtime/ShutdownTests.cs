namespace R2ec.Actors.Tests.Runtime;

public sealed class ShutdownTests
{
    [Test]
    public async Task Shutdown_drains_mailboxes_and_stops_children_before_parents()
    {
        var system = Create();
        using var events = new EventRecorder(system);
        var gate = new TaskCompletionSource();
        var handled = new List<int>();
        var parent = system.Spawn("parent", LambdaActor.Props((_, _) => Task.CompletedTask, c =>
        {
            c.Spawn("child", LambdaActor.Props((_, _) => { }));
            return Task.CompletedTask;
        }));
        var worker = system.Spawn("worker", LambdaActor.Props(async (_, m) =>
        {
            await gate.Task;
            handled.Add(((Int32Value)m).Value);
        }));
        await events.NextAsync(ActorEventKind.Started, "/user/parent/child");
        for (var i = 0; i < 20; i++) worker.Tell(Int(i));

        var shutdown = system.ShutdownAsync(TimeSpan.FromSeconds(30));
        gate.SetResult();
        await shutdown;

        var stops = events.All.Where(e => e.Kind == ActorEventKind.Stopped).Select(e => e.Path).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(handled, Is.EqualTo(Enumerable.Range(0, 20)), "every queued message was handled");
            Assert.That(events.All.Any(e => e.Kind == ActorEventKind.DeadLetter), Is.False);
            Assert.That(stops, Is.SupersetOf(new[] { "/user/parent", "/user/parent/child", "/user/worker" }));
            Assert.That(stops.IndexOf("/user/parent/child"), Is.LessThan(stops.IndexOf("/user/parent")));
        });
        _ = parent;
    }

    [Test]
    public async Task Past_the_drain_deadline_the_rest_become_dead_letters()
    {
        var system = Create();
        using var events = new EventRecorder(system);
        var entered = new Inbox<int>();
        var gate = new TaskCompletionSource();
        var worker = system.Spawn("worker", LambdaActor.Props(async (_, m) =>
        {
            entered.Add(1);
            await gate.Task;
        }));
        for (var i = 0; i < 5; i++) worker.Tell(Int(i));
        await entered.NextAsync();

        var stopping = system.StopAsync(worker, drain: TimeSpan.Zero);
        gate.SetResult();
        await stopping;

        Assert.That(events.All.Count(e => e.Kind == ActorEventKind.DeadLetter), Is.EqualTo(4));
        await system.ShutdownAsync(TimeSpan.Zero);
    }

    [Test]
    public async Task Spawning_after_shutdown_is_refused()
    {
        var system = Create();
        await system.ShutdownAsync(TimeSpan.Zero);
        Assert.Throws<InvalidOperationException>(() => system.Spawn("late", LambdaActor.Props((_, _) => { })));
    }
}
