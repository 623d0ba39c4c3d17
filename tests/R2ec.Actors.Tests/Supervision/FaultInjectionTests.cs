namespace R2ec.Actors.Tests.Supervision;

public sealed class FaultInjectionTests
{
    [Test]
    public async Task Injected_faults_restart_the_actor_and_every_other_message_is_handled_once_in_order()
    {
        await using var system = Create();
        using var events = new EventRecorder(system);
        var faulty = new Random(1234);
        var fails = Enumerable.Range(0, 300).Select(_ => faulty.NextDouble() < 0.1).ToArray();
        var handled = new Inbox<int>();
        var props = LambdaActor.Props((_, m) =>
        {
            var value = ((Int32Value)m).Value;
            if (fails[value]) throw new IOException($"injected fault at {value}");
            handled.Add(value);
        }) with
        {
            Supervision = FastSupervision(maxRestarts: 1000) with { MinBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(2) },
        };
        var actor = system.Spawn("faulty", props);
        for (var i = 0; i < fails.Length; i++) actor.Tell(Int(i));

        var expected = Enumerable.Range(0, fails.Length).Where(i => !fails[i]).ToList();
        Assert.That(await handled.TakeAsync(expected.Count), Is.EqualTo(expected));
        var failures = fails.Count(f => f);
        await events.Inbox.NextAsync(e => e.Kind == ActorEventKind.Restarted && e.Attempt == failures);
        Assert.That(failures, Is.GreaterThan(10));
        Assert.That(events.All.Count(e => e.Kind == ActorEventKind.Restarted), Is.EqualTo(failures));
        Assert.That(events.All.Where(e => e.Kind == ActorEventKind.Restarted).Select(e => e.Exception), Is.All.TypeOf<IOException>());
    }
}
