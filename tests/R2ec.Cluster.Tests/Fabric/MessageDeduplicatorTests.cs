using R2ec.Actors.Fabric.RabbitMq;

namespace R2ec.Cluster.Tests.Fabric;

public sealed class MessageDeduplicatorTests
{
    [Test]
    public void An_id_is_accepted_once_within_the_window()
    {
        var dedup = new MessageDeduplicator(4);
        Assert.That(dedup.TryAccept("a"), Is.True);
        Assert.That(dedup.TryAccept("b"), Is.True);
        Assert.That(dedup.TryAccept("a"), Is.False);
    }

    [Test]
    public void Memory_is_bounded_and_the_oldest_id_is_forgotten_first()
    {
        var dedup = new MessageDeduplicator(3);
        foreach (var id in new[] { "a", "b", "c", "d" }) dedup.TryAccept(id);

        Assert.That(dedup.Count, Is.EqualTo(3));
        Assert.That(dedup.TryAccept("b"), Is.False, "still in the window");
        Assert.That(dedup.TryAccept("a"), Is.True, "pushed out by d, so accepted again");
    }

    [Test]
    public void Concurrent_repeats_are_accepted_exactly_once()
    {
        var dedup = new MessageDeduplicator(10_000);
        var accepted = 0;
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 1000; i++)
                if (dedup.TryAccept("m" + i)) Interlocked.Increment(ref accepted);
        });
        Assert.That(accepted, Is.EqualTo(1000));
    }
}
