namespace R2ec.Actors.Tests.Runtime;

public sealed class MessageOrderingTests
{
    [Test]
    public async Task Messages_from_one_sender_arrive_in_the_order_sent()
    {
        await using var system = Create();
        var seen = new Inbox<int>();
        var actor = system.Spawn("recorder", LambdaActor.Props((_, m) => seen.Add(((Int32Value)m).Value)));
        for (var i = 0; i < 500; i++)
            actor.Tell(Int(i));
        Assert.That(await seen.TakeAsync(500), Is.EqualTo(Enumerable.Range(0, 500)));
    }

    [Test]
    public async Task Each_of_several_concurrent_senders_keeps_its_order()
    {
        await using var system = Create();
        var seen = new Inbox<int>();
        var actor = system.Spawn("recorder", LambdaActor.Props((_, m) => seen.Add(((Int32Value)m).Value)));
        const int senders = 4, each = 200;
        await Task.WhenAll(Enumerable.Range(0, senders).Select(s => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
                await actor.TellAsync(Int(s * 1000 + i));
        })));
        var all = await seen.TakeAsync(senders * each);
        for (var s = 0; s < senders; s++)
            Assert.That(all.Where(v => v / 1000 == s).Select(v => v % 1000), Is.EqualTo(Enumerable.Range(0, each)), $"sender {s}");
    }

    [Test]
    public async Task An_actor_handles_one_message_at_a_time()
    {
        await using var system = Create();
        int running = 0, maxRunning = 0;
        var done = new Inbox<int>();
        var actor = system.Spawn("serial", LambdaActor.Props(async (_, m) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxRunning, now);
            await Task.Yield();
            Thread.SpinWait(1000);
            Interlocked.Decrement(ref running);
            done.Add(((Int32Value)m).Value);
        }));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(s => Task.Run(() =>
        {
            for (var i = 0; i < 50; i++) actor.Tell(Int(i));
        })));
        await done.TakeAsync(400);
        Assert.That(maxRunning, Is.EqualTo(1));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
