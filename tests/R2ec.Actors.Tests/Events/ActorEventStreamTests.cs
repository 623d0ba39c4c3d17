namespace R2ec.Actors.Tests.Events;

public sealed class ActorEventStreamTests
{
    [Test]
    public void A_failing_subscriber_is_reported_and_does_not_keep_the_event_from_the_others()
    {
        var failures = new List<Exception>();
        var stream = new ActorEventStream(failures.Add);
        var seen = new List<ActorEvent>();
        using var bad = stream.Subscribe(_ => throw new InvalidOperationException("subscriber bug"));
        using var good = stream.Subscribe(seen.Add);

        stream.Publish(new ActorEvent(ActorEventKind.Started, "n", "/user/a"));

        Assert.That(seen.Select(e => e.Path), Is.EqualTo(new[] { "/user/a" }));
        Assert.That(failures.Select(e => e.Message), Is.EqualTo(new[] { "subscriber bug" }));
    }

    [Test]
    public void A_disposed_subscription_gets_no_more_events()
    {
        var stream = new ActorEventStream(_ => { });
        var seen = 0;
        var subscription = stream.Subscribe(_ => seen++);
        stream.Publish(new ActorEvent(ActorEventKind.Started, "n", "/user/a"));
        subscription.Dispose();
        stream.Publish(new ActorEvent(ActorEventKind.Stopped, "n", "/user/a"));
        Assert.That(seen, Is.EqualTo(1));
    }
}
