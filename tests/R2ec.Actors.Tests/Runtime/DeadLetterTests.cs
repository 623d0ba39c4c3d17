namespace R2ec.Actors.Tests.Runtime;

public sealed class DeadLetterTests
{
    [Test]
    public async Task A_message_to_a_stopped_actor_is_a_dead_letter_with_path_type_and_sender()
    {
        await using var system = Create();
        using var events = new EventRecorder(system);
        var actor = system.Spawn("worker", LambdaActor.Props((_, _) => { }));
        var sender = system.Spawn("sender", LambdaActor.Props((_, _) => { }));
        await system.StopAsync(actor);

        actor.Tell(Int(5), sender);

        var dead = await events.NextAsync(ActorEventKind.DeadLetter, "/user/worker");
        Assert.Multiple(() =>
        {
            Assert.That(dead.MessageType, Is.EqualTo("google.protobuf.Int32Value"));
            Assert.That(dead.Other, Is.EqualTo("r2ec://test/user/sender"));
            Assert.That(dead.Reason, Does.Contain("no live actor"));
        });
    }

    [Test]
    public async Task A_message_to_an_unknown_path_is_a_dead_letter()
    {
        await using var system = Create();
        using var events = new EventRecorder(system);
        system.Resolve(new ActorAddress("test", "/user/nobody")).Tell(Text("hi"));
        var dead = await events.NextAsync(ActorEventKind.DeadLetter, "/user/nobody");
        Assert.That(dead.Reason, Does.Contain("no live actor"));
    }

    [Test]
    public async Task An_immediate_stop_turns_queued_messages_into_dead_letters()
    {
        await using var system = Create();
        using var events = new EventRecorder(system);
        var gate = new TaskCompletionSource();
        var entered = new Inbox<int>();
        var actor = system.Spawn("busy", LambdaActor.Props(async (_, m) =>
        {
            entered.Add(1);
            await gate.Task;
        }));
        actor.Tell(Int(0));
        await entered.NextAsync();
        for (var i = 1; i <= 3; i++) actor.Tell(Int(i));

        var stopping = system.StopAsync(actor);
        gate.SetResult();
        await stopping;

        Assert.That(events.All.Count(e => e.Kind == ActorEventKind.DeadLetter && e.Path == "/user/busy"), Is.EqualTo(3));
    }
}
