namespace R2ec.Actors.Tests.Runtime;

public sealed class AskTests
{
    [Test]
    public async Task Ask_returns_the_reply()
    {
        await using var system = Create();
        var doubler = system.Spawn("doubler", LambdaActor.Props((c, m) => c.Reply(Int(((Int32Value)m).Value * 2))));
        var reply = await doubler.AskAsync<Int32Value>(Int(21), TimeSpan.FromSeconds(10));
        Assert.That(reply.Value, Is.EqualTo(42));
    }

    [Test]
    public async Task Ask_without_reply_times_out_naming_the_actor_and_the_message_type()
    {
        await using var system = Create();
        var silent = system.Spawn("silent", LambdaActor.Props((_, _) => { }));
        var ex = Assert.ThrowsAsync<TimeoutException>(() => silent.AskAsync<Int32Value>(Text("hello?"), TimeSpan.FromMilliseconds(50)));
        Assert.That(ex!.Message, Does.Contain("/user/silent").And.Contain("google.protobuf.StringValue"));
        await Task.CompletedTask;
    }

    [Test]
    public async Task Ask_with_a_reply_of_another_type_fails_clearly()
    {
        await using var system = Create();
        var echo = system.Spawn("echo", LambdaActor.Props((c, m) => c.Reply(Text("not a number"))));
        var ex = Assert.ThrowsAsync<InvalidCastException>(() => echo.AskAsync<Int32Value>(Int(1), TimeSpan.FromSeconds(10)));
        Assert.That(ex!.Message, Does.Contain("Int32Value").And.Contain("google.protobuf.StringValue"));
        await Task.CompletedTask;
    }

    [Test]
    public async Task Sender_is_the_replying_actor_and_reply_goes_back_to_it()
    {
        await using var system = Create();
        var got = new Inbox<string>();
        var ponger = system.Spawn("ponger", LambdaActor.Props((c, _) => c.Reply(Text("pong"))));
        var pinger = system.Spawn("pinger", LambdaActor.Props((c, m) =>
        {
            if (m is StringValue { Value: "go" }) ponger.Tell(Text("ping"), c.Self);
            else got.Add($"{((StringValue)m).Value} from {c.Sender!.Address.Path}");
        }));
        pinger.Tell(Text("go"));
        Assert.That(await got.NextAsync(), Is.EqualTo("pong from /user/ponger"));
    }
}
