namespace R2ec.Actors.Tests.Runtime;

public sealed class BoundedMailboxTests
{
    [Test]
    public async Task TellAsync_waits_while_the_bounded_mailbox_is_full()
    {
        await using var system = Create();
        var gate = new TaskCompletionSource();
        var entered = new Inbox<int>();
        var handled = new Inbox<int>();
        var slow = system.Spawn("slow", LambdaActor.Props(async (_, m) =>
        {
            entered.Add(1);
            await gate.Task;
            handled.Add(((Int32Value)m).Value);
        }) with { MailboxCapacity = 2 });

        slow.Tell(Int(0));
        await entered.NextAsync(); // message 0 is being handled; the mailbox is empty
        var fill = new[] { slow.TellAsync(Int(1)), slow.TellAsync(Int(2)) };
        var waiting = slow.TellAsync(Int(3));

        Assert.That(fill.All(t => t.IsCompletedSuccessfully), Is.True, "room for two");
        Assert.That(waiting.IsCompleted, Is.False, "the third send waits for room");
        gate.SetResult();
        await waiting;
        Assert.That(await handled.TakeAsync(4), Is.EqualTo(new[] { 0, 1, 2, 3 }));
    }

    [Test]
    public async Task Tell_blocks_a_producer_until_the_consumer_makes_room()
    {
        await using var system = Create();
        var handled = new Inbox<int>();
        var consumer = system.Spawn("consumer", LambdaActor.Props(async (_, m) =>
        {
            await Task.Yield();
            handled.Add(((Int32Value)m).Value);
        }) with { MailboxCapacity = 1 });
        await Task.Run(() =>
        {
            for (var i = 0; i < 100; i++) consumer.Tell(Int(i));
        });
        Assert.That(await handled.TakeAsync(100), Is.EqualTo(Enumerable.Range(0, 100)));
    }
}
