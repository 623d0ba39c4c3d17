using R2ec.Actors.Supervision;

namespace R2ec.Actors.Tests.Supervision;

public sealed class RestartTests
{
    private static Props Failing(Inbox<string> log, Func<int>? instance = null) => LambdaActor.Props((c, m) =>
    {
        var text = ((StringValue)m).Value;
        if (text == "boom") throw new InvalidOperationException("boom");
        log.Add($"{text}@{instance?.Invoke()}");
    });

    [Test]
    public async Task A_failing_actor_is_restarted_with_doubling_backoff_up_to_the_cap()
    {
        await using var system = Create();
        using var events = new EventRecorder(system);
        var instances = 0;
        var log = new Inbox<string>();
        var props = new Props(() =>
        {
            var number = Interlocked.Increment(ref instances);
            return new LambdaActor((c, m) =>
            {
                if (((StringValue)m).Value == "boom") throw new InvalidOperationException("boom");
                log.Add($"{((StringValue)m).Value}@{number}");
                return Task.CompletedTask;
            });
        }) { Supervision = FastSupervision() };
        var actor = system.Spawn("flaky", props);

        var delays = new List<double>();
        for (var i = 0; i < 4; i++)
        {
            actor.Tell(Text("boom"));
            var restarted = await events.NextAsync(ActorEventKind.Restarted, "/user/flaky");
            Assert.That(restarted.Exception, Is.TypeOf<InvalidOperationException>());
            Assert.That(restarted.Attempt, Is.EqualTo(i + 1));
            delays.Add(restarted.Delay.TotalMilliseconds);
        }
        actor.Tell(Text("hello"));

        Assert.That(delays, Is.EqualTo(new[] { 10.0, 20, 40, 40 }));
        Assert.That(await log.NextAsync(), Is.EqualTo("hello@5"), "the same reference reaches the fifth instance");
    }

    [Test]
    public async Task Messages_sent_during_the_backoff_wait_for_the_new_instance()
    {
        await using var system = Create();
        var log = new Inbox<string>();
        var actor = system.Spawn("flaky", Failing(log) with { Supervision = FastSupervision() });
        actor.Tell(Text("boom"));
        actor.Tell(Text("a"));
        actor.Tell(Text("b"));
        Assert.That(await log.TakeAsync(2), Is.EqualTo(new[] { "a@", "b@" }));
    }

    [Test]
    public async Task Past_the_restart_limit_the_actor_stops_and_escalates_to_its_parent()
    {
        await using var system = Create();
        using var events = new EventRecorder(system);
        var childLog = new Inbox<string>();
        var parentStarts = 0;
        var parent = system.Spawn("parent", LambdaActor.Props((_, _) => Task.CompletedTask, c =>
        {
            if (Interlocked.Increment(ref parentStarts) == 1)
                c.Spawn("child", Failing(childLog) with { Supervision = FastSupervision(maxRestarts: 2) });
            return Task.CompletedTask;
        }) with { Supervision = FastSupervision() });
        await events.NextAsync(ActorEventKind.Started, "/user/parent/child");
        var child = system.Resolve(parent.Address.Child("child"));

        child.Tell(Text("boom"));
        await events.NextAsync(ActorEventKind.Restarted, "/user/parent/child");
        child.Tell(Text("boom"));
        await events.NextAsync(ActorEventKind.Restarted, "/user/parent/child");
        child.Tell(Text("boom"));

        var escalated = await events.NextAsync(ActorEventKind.Escalated, "/user/parent/child");
        var stopped = await events.NextAsync(ActorEventKind.Stopped, "/user/parent/child");
        var parentRestarted = await events.NextAsync(ActorEventKind.Restarted, "/user/parent");
        Assert.Multiple(() =>
        {
            Assert.That(escalated.Other, Is.EqualTo("/user/parent"));
            Assert.That(stopped.Exception, Is.TypeOf<InvalidOperationException>());
            Assert.That(parentRestarted.Exception, Is.TypeOf<ActorEscalationException>());
            Assert.That(((ActorEscalationException)parentRestarted.Exception!).ChildPath, Is.EqualTo("/user/parent/child"));
            Assert.That(events.All.Count(e => e.Kind == ActorEventKind.Restarted && e.Path == "/user/parent/child"), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task A_decider_can_stop_instead_of_restarting()
    {
        await using var system = Create();
        using var events = new EventRecorder(system);
        var props = Failing(new Inbox<string>()) with
        {
            Supervision = FastSupervision() with { Decider = _ => SupervisionDirective.Stop },
        };
        system.Spawn("fragile", props).Tell(Text("boom"));
        var stopped = await events.NextAsync(ActorEventKind.Stopped, "/user/fragile");
        Assert.That(stopped.Exception, Is.TypeOf<InvalidOperationException>());
        Assert.That(events.All.Any(e => e.Kind == ActorEventKind.Restarted), Is.False);
    }

    [Test]
    public async Task A_failure_in_OnStarted_is_supervised_like_a_failing_message()
    {
        await using var system = Create();
        using var events = new EventRecorder(system);
        var starts = 0;
        system.Spawn("late", LambdaActor.Props((_, _) => Task.CompletedTask, _ =>
            Interlocked.Increment(ref starts) < 3 ? throw new InvalidOperationException("not yet") : Task.CompletedTask)
            with { Supervision = FastSupervision() });
        var restarted = await events.NextAsync(ActorEventKind.Restarted, "/user/late");
        Assert.That(restarted.Attempt, Is.EqualTo(2));
        Assert.That(starts, Is.EqualTo(3));
    }
}
