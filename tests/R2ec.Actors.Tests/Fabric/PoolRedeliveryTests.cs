using R2ec.Actors.Fabric;

namespace R2ec.Actors.Tests.Fabric;

/// <summary>The pool's at-least-once rule: a message whose handler threw is delivered again, up to the delivery limit.</summary>
public sealed class PoolRedeliveryTests
{
    private static readonly ActorAddress Pool = ActorAddress.Pool("rollout");

    private static ActorSystem Node(int deliveryLimit = IFabric.DefaultDeliveryLimit) =>
        new("node", fabric: new InMemoryFabric(Serializer(), deliveryLimit));

    /// <summary>A pool member restarted quickly after each failure, that throws whenever <paramref name="fails"/> says so.</summary>
    private static Props Worker(Inbox<(int Value, bool Redelivered)> deliveries, Func<IActorContext, bool> fails) =>
        LambdaActor.Props((c, m) =>
        {
            deliveries.Add((((Int32Value)m).Value, c.Redelivered));
            if (fails(c)) throw new InvalidOperationException("injected rollout failure");
        }) with { Supervision = FastSupervision() };

    [Test]
    public async Task A_pool_message_whose_handler_threw_is_delivered_again_marked_redelivered()
    {
        await using var system = Node();
        var deliveries = new Inbox<(int Value, bool Redelivered)>();
        system.JoinPool(Pool, system.Spawn("worker", Worker(deliveries, c => !c.Redelivered)));

        system.Resolve(Pool).Tell(Int(7));

        Assert.That(await deliveries.TakeAsync(2), Is.EqualTo(new[] { (7, false), (7, true) }));
    }

    [Test]
    public async Task A_pool_message_that_always_fails_is_dead_lettered_past_the_delivery_limit()
    {
        await using var system = Node(deliveryLimit: 2);
        using var events = new EventRecorder(system);
        var deliveries = new Inbox<(int Value, bool Redelivered)>();
        system.JoinPool(Pool, system.Spawn("worker", Worker(deliveries, _ => true)));

        system.Resolve(Pool).Tell(Int(13));

        var dead = await events.NextAsync(ActorEventKind.DeadLetter, "/pool/rollout");
        Assert.That(dead.Reason, Is.EqualTo("returned 3 times, past the delivery limit of 2"));
        Assert.That(dead.MessageType, Is.EqualTo("google.protobuf.Int32Value"));
        Assert.That(await deliveries.TakeAsync(3), Is.EqualTo(new[] { (13, false), (13, true), (13, true) }), "the first delivery and two returns");
        Assert.That(deliveries.TryTake(out var extra), Is.False, $"delivered once more: {extra}");
    }
}
