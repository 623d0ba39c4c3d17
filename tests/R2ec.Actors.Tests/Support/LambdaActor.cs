using Google.Protobuf;
using R2ec.Actors.Runtime;

namespace R2ec.Actors.Tests.Support;

/// <summary>An actor whose behaviour is a lambda, for tests.</summary>
internal sealed class LambdaActor(Func<IActorContext, IMessage, Task> receive, Func<IActorContext, Task>? started = null) : Actor
{
    protected override Task ReceiveAsync(IMessage message) => receive(Context, message);

    protected override Task OnStartedAsync() => started?.Invoke(Context) ?? Task.CompletedTask;

    public static Props Props(Func<IActorContext, IMessage, Task> receive, Func<IActorContext, Task>? started = null) =>
        new(() => new LambdaActor(receive, started));

    public static Props Props(Action<IActorContext, IMessage> receive) =>
        new(() => new LambdaActor((c, m) =>
        {
            receive(c, m);
            return Task.CompletedTask;
        }));
}
