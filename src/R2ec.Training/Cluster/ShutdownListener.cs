using Google.Protobuf;
using R2ec.Actors.Runtime;
using R2ec.Training.Actors;
using R2ec.Training.Messages;

namespace R2ec.Training.Cluster;

/// <summary>Listens on the job's control topic on a node without the job driver and reports the driver's <see cref="Shutdown"/>: the job is over.</summary>
internal sealed class ShutdownListener(TaskCompletionSource<Shutdown> received) : Actor
{
    protected override Task OnStartedAsync()
    {
        Context.Subscribe(JobContext.ControlTopic);
        return Task.CompletedTask;
    }

    protected override Task ReceiveAsync(IMessage message)
    {
        if (message is Shutdown shutdown)
            received.TrySetResult(shutdown);
        return Task.CompletedTask;
    }
}
