using R2ec.Model.Recommendation;
using System.Diagnostics;
using Akka.Actor;
using R2ec.Training.Cluster;
using R2ec.Training.Compute;
using R2ec.Training.DataPlane;
using R2ec.Training.Messages;
using R2ec.Training.Scoring;

namespace R2ec.Training.Actors;

/// <summary>
/// A rollout worker (DESIGN.md §2 step 3). It pulls its work: when it starts, and after each request, it asks the
/// coordinator for the next one (<see cref="WorkRequest"/>); for each requested sample it samples a group with its own
/// policy replica at the requested version (fetched by the reference in the request) and sends the group to the
/// reward actor. Its only state is the replica, rebuilt from the data plane after a restart; a request it held when
/// it failed goes back to the coordinator's queue, which hands it out again marked <c>redelivered</c>.
/// </summary>
internal sealed class RolloutWorker : ReplicaActor
{
    private readonly IActorRef _coordinator;
    private readonly IActorRef _reward;

    public RolloutWorker(JobContext job, IActorRef coordinator, IActorRef reward) : base(job)
    {
        _coordinator = coordinator;
        _reward = reward;
        ReceiveAsync<WeightsPublished>(async published =>
        {
            // Swap ahead of the next request; requests name their version, so a late broadcast is harmless. Pipelined,
            // the next requests still name older versions: the new one is only fetched and kept until one names it.
            if (BuiltReplica is not { } replica)
                return;
            if (Job.Options.Learner.MaxStaleness == 0)
                await replica.AtAsync(published.Version, published.Blob);
            else
                await replica.PrefetchAsync(published.Version, published.Blob);
        });
        Receive<Akka.Cluster.Tools.PublishSubscribe.SubscribeAck>(_ => { });
        ReceiveAsync<RolloutRequest>(async request =>
        {
            await RollOutAsync(request);
            _coordinator.Tell(new WorkRequest { Fresh = false }, Self);
        });
    }

    protected override void PreStart()
    {
        WeightsBroadcast.Subscribe(Context, Job, Self);
        Log.Debug("Rollout worker {Worker} started; asking {Coordinator} for work", Self.Path.ToString(), _coordinator.Path.ToString());
        _coordinator.Tell(new WorkRequest { Fresh = true }, Self);
    }

    protected override void PostStop()
    {
        WeightsBroadcast.Unsubscribe(Context, Job, Self);
        base.PostStop();
    }

    private async Task RollOutAsync(RolloutRequest request)
    {
        var rollout = Job.Options.Rollout;
        var train = Job.Data.Dataset.Train;
        Log.Debug("Rollout request: step {Step}, samples {Samples}, attempt {Attempt}, redelivered {Redelivered}, policy version {PolicyVersion}",
            request.Step, request.Samples.Select(s => s.SampleIndex).ToArray(), request.Attempt, request.Redelivered, request.PolicyVersion);
        if (request.InjectDrop)
        {
            // Fault injection (Faults:RolloutDropStep): no worker ever answers this request, so its step must fail the job.
            Log.Warning("Rollout request of step {Step}, samples {Samples} dropped: {Reason}",
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
            Log.Warning("Rollout request of step {Step} dropped: {Error}", request.Step, e.Message);
            Job.Metrics.Increment("r2ec_rollout_requests_dropped_total", "Rollout requests dropped because their blobs could not be fetched.");
            return;
        }
        foreach (var requested in request.Samples)
        {
            if (request.InjectFault && request.Attempt == 0 && !request.Redelivered && requested.SampleIndex == request.FaultSample)
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
                // With the node's address: on a cluster every node's workers share their paths.
                Worker = Self.Path.ToStringWithAddress(((ExtendedActorSystem)Context.System).Provider.DefaultAddress),
                Incarnation = request.Incarnation,
            };
            group.Trajectories.AddRange(TrajectoryMessages.From(sampled, sample));
            var tokens = (ulong)sampled.Trajectories.Sum(t => (long)t.Tokens.Length);
            group.GeneratedTokens = tokens;
            group.ComputeSeconds = clock.Elapsed.TotalSeconds;
            // On a cluster, a group that cannot cross remoting fails here, naming its size, instead of being dropped by the transport.
            if (Job.OnCluster)
            {
                var bytes = _reward.TellChecked(group, Job.Options.Cluster.MaximumFrameSizeBytes, Self);
                Job.Metrics.Increment("r2ec_rollout_group_bytes_total", "Serialized bytes of the groups this node's rollout workers sent over remoting.", (ulong)bytes);
            }
            else
                _reward.Tell(group, Self);
            Job.Metrics.Increment("r2ec_rollout_groups_total", "Trajectory groups sampled by this node's rollout workers.");
            Job.Metrics.Increment("r2ec_rollout_tokens_total", "Tokens generated by this node's rollout workers.", tokens);
        }
    }
}
