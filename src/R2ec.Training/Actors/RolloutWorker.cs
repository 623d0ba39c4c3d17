using R2ec.Model.Recommendation;
using System.Diagnostics;
using Google.Protobuf;
using R2ec.Actors.Runtime;
using R2ec.Training.Compute;
using R2ec.Training.DataPlane;
using R2ec.Training.Messages;
using R2ec.Training.Scoring;

namespace R2ec.Training.Actors;

/// <summary>
/// A rollout worker (DESIGN.md §2 step 3): a competing consumer of the rollout pool that samples a group per requested
/// sample with its own policy replica at the requested version (fetched by the reference in the request) and sends the groups to the reward actor. Its only state
/// is the replica, rebuilt from the data plane after a restart.
/// </summary>
internal sealed class RolloutWorker(JobContext job) : ReplicaActor(job)
{
    protected override Task OnStartedAsync()
    {
        Context.Subscribe(JobContext.WeightsTopic);
        return Task.CompletedTask;
    }

    protected override async Task ReceiveAsync(IMessage message)
    {
        switch (message)
        {
            case WeightsPublished published when BuiltReplica is { } replica:
                // Swap ahead of the next request; requests name their version, so a late broadcast is harmless.
                await replica.AtAsync(published.Version, published.Blob);
                break;
            case RolloutRequest request:
                await RollOutAsync(request);
                break;
        }
    }

    private async Task RollOutAsync(RolloutRequest request)
    {
        var rollout = Job.Options.Rollout;
        var train = Job.Data.Dataset.Train;
        var reward = Context.System.Resolve(Job.Reward);
        Context.Log.Debug("Rollout request: step {Step}, samples {Samples}, attempt {Attempt}, policy version {PolicyVersion}",
            request.Step, request.Samples.Select(s => s.SampleIndex).ToArray(), request.Attempt, request.PolicyVersion);
        if (request.InjectDrop)
        {
            // Fault injection (Faults:RolloutDropStep): no worker ever answers this request, so its step must fail the job.
            Context.Log.Warning("Rollout request of step {Step}, samples {Samples} dropped: {Reason}",
                request.Step, request.Samples.Select(s => s.SampleIndex).ToArray(), "fault injection (Faults:RolloutDropStep)");
            return;
        }
        IPolicyCompute policy;
        ItemTable items;
        try
        {
            var replica = await ReplicaAsync(request.Tokenizer);
            policy = await replica.AtAsync(request.PolicyVersion, request.Weights);
            items = await replica.ItemsAsync(request.ItemTableVersion, request.ItemTable);
        }
        catch (IOException e) when (e is BlobFetchException or BlobIntegrityException)
        {
            // A request whose blobs cannot be had (its learner died and a new one serves other blobs) would fail on
            // every worker; dropping it is safe: the coordinator re-requests whatever its current step misses.
            Context.Log.Warning("Rollout request of step {Step} dropped: {Error}", request.Step, e.Message);
            Job.Metrics.Increment("r2ec_rollout_requests_dropped_total", "Rollout requests dropped because their blobs could not be fetched.");
            return;
        }
        foreach (var requested in request.Samples)
        {
            if (request.InjectFault && request.Attempt == 0 && !Context.Redelivered && requested.SampleIndex == request.FaultSample)
                throw new InjectedFaultException($"injected rollout failure at step {request.Step}, sample {requested.SampleIndex}");
            var clock = Stopwatch.StartNew();
            var sample = train[checked((int)requested.SampleIndex)];
            var sampling = new GroupSampling((int)request.GroupSize, rollout.Temperature, rollout.TopK, rollout.TopP,
                rollout.MaxNewTokens, request.Seed, request.Step, requested.SampleIndex);
            var sampled = policy.SampleGroup(sample, sampling, items);
            var group = new TrajectoryGroup
            {
                Step = request.Step,
                PolicyVersion = request.PolicyVersion,
                SampleIndex = requested.SampleIndex,
                UserIndex = requested.UserIndex,
                TargetItem = (uint)sample.Target,
                PromptTokenIds = { sampled.PromptTokens },
                ItemTableVersion = request.ItemTableVersion,
                Worker = Context.Self.Address.ToString(),
                Incarnation = request.Incarnation,
            };
            group.Trajectories.AddRange(TrajectoryMessages.From(sampled, sample));
            var tokens = (ulong)sampled.Trajectories.Sum(t => (long)t.Tokens.Length);
            group.GeneratedTokens = tokens;
            group.ComputeSeconds = clock.Elapsed.TotalSeconds;
            await reward.TellAsync(group, Context.Self);
            Job.Metrics.Increment("r2ec_rollout_groups_total", "Trajectory groups sampled by this node's rollout workers.");
            Job.Metrics.Increment("r2ec_rollout_tokens_total", "Tokens generated by this node's rollout workers.", tokens);
        }
    }
}
