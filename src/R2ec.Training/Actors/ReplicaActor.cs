using R2ec.Actors.Runtime;

namespace R2ec.Training.Actors;

/// <summary>
/// An actor that computes with its own policy replica, created when the instance starts (again after a restart, from
/// the data plane) and released when it stops.
/// </summary>
internal abstract class ReplicaActor(JobContext job) : Actor
{
    private PolicyReplica? _replica;

    protected JobContext Job => job;

    protected PolicyReplica Replica => _replica ?? throw new InvalidOperationException("the replica exists only while the actor runs");

    protected override Task OnStartedAsync()
    {
        _replica = job.NewReplica();
        return Task.CompletedTask;
    }

    protected override Task OnStoppedAsync()
    {
        _replica?.Dispose();
        return Task.CompletedTask;
    }
}
