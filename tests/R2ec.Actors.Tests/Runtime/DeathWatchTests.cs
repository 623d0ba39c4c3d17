using R2ec.Actors.Protocol;

namespace R2ec.Actors.Tests.Runtime;

public sealed class DeathWatchTests
{
    private static Props Watcher(IActorRef target, Inbox<IMessage> seen) =>
        LambdaActor.Props((_, m) =>
        {
            seen.Add(m);
            return Task.CompletedTask;
        }, c =>
        {
            c.Watch(target);
            return Task.CompletedTask;
        });

    [Test]
    public async Task A_watcher_is_told_when_the_watched_actor_stops()
    {
        await using var system = Create();
        using var events = new EventRecorder(system);
        var target = system.Spawn("target", LambdaActor.Props((_, _) => { }));
        var seen = new Inbox<IMessage>();
        system.Spawn("watcher", Watcher(target, seen));
        await events.NextAsync(ActorEventKind.Started, "/user/watcher");

        await system.StopAsync(target);

        var terminated = (Terminated)await seen.NextAsync();
        Assert.That(ActorAddress.Parse(terminated.Actor), Is.EqualTo(target.Address));
        var e = await events.NextAsync(ActorEventKind.Terminated, "/user/target");
        Assert.That(e.Other, Is.EqualTo("r2ec://test/user/watcher"));
    }

    [Test]
    public async Task Watching_an_actor_that_already_stopped_gives_terminated_at_once()
    {
        await using var system = Create();
        var target = system.Spawn("gone", LambdaActor.Props((_, _) => { }));
        await system.StopAsync(target);
        var seen = new Inbox<IMessage>();
        system.Spawn("late-watcher", Watcher(target, seen));
        Assert.That(await seen.NextAsync(), Is.TypeOf<Terminated>());
    }

    [Test]
    public async Task An_actor_that_stops_itself_terminates_its_watch()
    {
        await using var system = Create();
        var target = system.Spawn("quitter", LambdaActor.Props((c, _) => c.StopSelf()));
        var seen = new Inbox<IMessage>();
        system.Spawn("watcher", Watcher(target, seen));
        target.Tell(Int(1));
        Assert.That(await seen.NextAsync(), Is.TypeOf<Terminated>());
    }
}
