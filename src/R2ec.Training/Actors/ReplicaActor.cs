using R2ec.Training.Messages;

namespace R2ec.Training.Actors;

/// <summary>
/// An actor that computes with its own policy replica, created on its first request (again after a restart, from the
/// data plane) and released when it stops. The tokenizer comes from the job on the learner's node and from the
/// data plane elsewhere, since a worker in another process only learns it from the requests it gets.
/// </summary>
internal abstract class ReplicaActor(JobContext job) : JobActor(job)
{
    private PolicyReplica? _replica;

    /// <summary>The replica, built on first use with the tokenizer <paramref name="tokenizer"/> names (the job's own when null).</summary>
    protected async ValueTask<PolicyReplica> ReplicaAsync(BlobRef? tokenizer = null)
    {
        if (_replica is null)
        {
            var bytes = tokenizer is null ? Job.Tokenizer : (await Job.Store.FetchAsync(tokenizer)).ToArray();
            _replica = Job.NewReplica(bytes);
        }
        return _replica;
    }

    /// <summary>The replica when one has been built.</summary>
    protected PolicyReplica? BuiltReplica => _replica;

    protected override void PostStop()
    {
        _replica?.Dispose();
        _replica = null;
        base.PostStop();
    }
}
