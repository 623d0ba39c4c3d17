using System.Diagnostics;
using Akka.Actor;
using R2ec.Training.Compute;
using R2ec.Training.Learning;
using R2ec.Training.Messages;

namespace R2ec.Training.Actors;

/// <summary>
/// The learner (DESIGN.md §2 step 5) owns the policy: its weights, its optimizer and its version. For a RecPO step it
/// receives from the coordinator the step's rewarded groups, already de-duplicated and ordered by (user, sample), then
/// <see cref="LearnStep"/>; it runs μ PPO epochs of mini-batches, publishes weights version v+1 and, every
/// <c>Rollout:ItemTableRefresh</c> versions, has the item-table builder encode the table (a message exchange: the
/// step completes when <see cref="ItemTablePublished"/> comes back), then answers the coordinator. It also
/// runs the warm-up stages' optimizer steps and snapshots / restores its weights and optimizer for checkpoints.
/// Its weights live only here; a learner that fails is not restarted in place: the job resumes from a checkpoint.
/// </summary>
internal sealed class Learner : JobActor
{
    private readonly IActorRef _itemTableBuilder;
    private IPolicyCompute? _policy;
    private ulong _version;
    private ulong _itemTableVersion;
    private readonly List<RewardedGroup> _batch = [];
    private PendingStep? _pending;
    // Item-table versions this learner has seen current, to keep those the steps in flight still sample with.
    private readonly SortedSet<ulong> _tables = [];

    /// <summary>A learned step waiting for its item table before it is reported to <paramref name="ReplyTo"/>.</summary>
    private sealed record PendingStep(StepCompleted Completed, Stopwatch EncodeClock, Stopwatch BroadcastClock, double RolloutSeconds, Stopwatch Clock, IActorRef ReplyTo);

    public Learner(JobContext job, IActorRef itemTableBuilder) : base(job)
    {
        _itemTableBuilder = itemTableBuilder;
        Receive<RewardedGroup>(group =>
        {
            if (_batch.Count > 0 && _batch[0].Group.Step != group.Group.Step)
                throw new InvalidOperationException(
                    $"the coordinator sent a group of step {group.Group.Step} into the open batch of step {_batch[0].Group.Step}");
            _batch.Add(group);
        });
        Receive<LearnStep>(LearnAndPublish);
        Receive<ItemTablePublished>(table => _pending is not null && table.Version == _version, table =>
        {
            var pending = _pending!;
            _pending = null;
            _itemTableVersion = table.Version;
            _tables.Add(table.Version);
            ForgetItemTables();
            Complete(pending, pending.EncodeClock.Elapsed.TotalSeconds);
        });
        Receive<WarmUpStep>(warm => Sender.Tell(WarmUp(warm), Self));
        Receive<SnapshotRequest>(snapshot => Sender.Tell(Snapshot(snapshot), Self));
        // ReceiveAsync: the blobs are fetched asynchronously, and no other message may see a half-restored policy.
        ReceiveAsync<RestoreRequest>(async restore =>
        {
            var replyTo = Sender;
            _policy!.LoadWeights((await Job.Store.FetchAsync(restore.Weights)).Span);
            if (restore.Optimizer is { } optimizer)
                _policy.LoadOptimizer((await Job.Store.FetchAsync(optimizer)).Span);
            _version = restore.Version;
            replyTo.Tell(new Snapshot { Version = _version, Weights = restore.Weights, Optimizer = restore.Optimizer }, Self);
        });
    }

    protected override void PreStart() => _policy = Job.Factory.Create(Job.Tokenizer, Job.Data, Job.Options.Run.Seed);

    protected override void PostStop()
    {
        _policy?.Dispose();
        base.PostStop();
    }

    private void LearnAndPublish(LearnStep learn)
    {
        var clock = Stopwatch.StartNew();
        var groups = _batch.ToList();
        _batch.Clear();
        if (groups.Count != (int)learn.GroupCount || groups.Any(g => g.Group.Step != learn.Step))
            throw new InvalidOperationException(
                $"step {learn.Step}: the coordinator announced {learn.GroupCount} groups, the learner holds {groups.Count} " +
                $"(steps {string.Join(", ", groups.Select(g => g.Group.Step).Distinct())})");
        _itemTableVersion = learn.ItemTableVersion;
        _tables.Add(learn.ItemTableVersion);
        var options = Job.Options;
        var rows = RecPOUpdate.Rows(groups, Job.Data.Dataset.Train);
        var learnClock = Stopwatch.StartNew();
        var stats = RecPOUpdate.Learn(_policy!, rows, options, learn.LearningRate);
        var learnSeconds = learnClock.Elapsed.TotalSeconds;

        var broadcastClock = Stopwatch.StartNew();
        _version++;
        var weights = Job.Store.Put(JobContext.WeightsKind, _version, _policy!.SaveWeights());
        // The steps in flight sample with up to s versions before this one (MaxStaleness = s); one more is kept, as the
        // synchronous loop always kept the previous version.
        var lag = (ulong)options.Learner.MaxStaleness;
        Job.Store.Forget(JobContext.WeightsKind, _version > lag + 1 ? _version - 1 - lag : 0);
        WeightsBroadcast.Publish(Context, Job, new WeightsPublished { Version = _version, Blob = weights, Step = learn.Step });

        var metrics = StepStatistics.Summarize(groups, stats, _version - 1);
        metrics.RolloutSeconds = learn.RolloutSeconds;
        metrics.LearnSeconds = learnSeconds;
        metrics.TokensPerSecond = learn.RolloutSeconds > 0 ? metrics.GeneratedTokens / learn.RolloutSeconds : 0;
        // Counted from the groups rather than configured: on a cluster the learner does not know how many workers there are.
        metrics.RolloutWorkers = (uint)groups.Select(g => g.Group.Worker).Distinct(StringComparer.Ordinal).Count();
        metrics.GroupsDropped = learn.GroupsDropped;
        var pending = new PendingStep(new StepCompleted { Step = learn.Step, PolicyVersion = _version, Metrics = metrics },
            Stopwatch.StartNew(), broadcastClock, learn.RolloutSeconds, clock, Sender);
        if (_version % (ulong)options.Rollout.ItemTableRefresh == 0)
        {
            // The builder answers with ItemTablePublished; the step completes then, and the learner's thread is free meanwhile.
            _pending = pending;
            _itemTableBuilder.Tell(new BuildItemTable { Version = _version, Weights = weights }, Self);
            return;
        }
        Complete(pending, encodeSeconds: 0);
    }

    /// <summary>
    /// Forgets the item tables no step in flight samples with: those older than the table current at version
    /// v − s (the oldest sampling version in flight); the synchronous loop keeps only the newest.
    /// </summary>
    private void ForgetItemTables()
    {
        var lag = (ulong)Job.Options.Learner.MaxStaleness;
        var oldest = _version > lag ? _version - lag : 0;
        var keepFrom = _tables.GetViewBetween(0, oldest) is { Count: > 0 } older ? older.Max : 0;
        if (keepFrom == 0)
            return;
        Job.Store.Forget(JobContext.ItemsKind, keepFrom);
        _tables.RemoveWhere(t => t < keepFrom);
    }

    private void Complete(PendingStep pending, double encodeSeconds)
    {
        var metrics = pending.Completed.Metrics;
        var total = pending.RolloutSeconds + pending.Clock.Elapsed.TotalSeconds;
        metrics.BroadcastSeconds = pending.BroadcastClock.Elapsed.TotalSeconds;
        metrics.LearnerComputeSeconds = metrics.LearnSeconds + encodeSeconds;
        metrics.RolloutIdleRatio = Math.Clamp(1 - metrics.RolloutComputeSeconds / (Math.Max(1, metrics.RolloutWorkers) * Math.Max(total, 1e-9)), 0, 1);
        metrics.LearnerIdleRatio = Math.Clamp(pending.RolloutSeconds / Math.Max(total, 1e-9), 0, 1);
        metrics.RewardIdleRatio = Math.Clamp(1 - metrics.RewardSeconds / Math.Max(total, 1e-9), 0, 1);
        pending.Completed.ItemTableVersion = _itemTableVersion;
        pending.ReplyTo.Tell(pending.Completed, Self);
    }

    private WarmUpDone WarmUp(WarmUpStep warm)
    {
        var clock = Stopwatch.StartNew();
        var kind = warm.Stage switch
        {
            "lm" => WarmUpKind.Language,
            "rec" => WarmUpKind.Recommendation,
            "reason" => WarmUpKind.Reasoning,
            _ => throw new ArgumentException($"unknown warm-up stage '{warm.Stage}'"),
        };
        var train = Job.Data.Dataset.Train;
        var batch = warm.SampleIndices.Select(i => train[checked((int)i)]).ToList();
        var loss = _policy!.WarmUpStep(kind, batch, warm.LearningRate);
        return new WarmUpDone { Step = warm.Step, Loss = loss.Loss, Tokens = (ulong)loss.Tokens, ComputeSeconds = clock.Elapsed.TotalSeconds };
    }

    private Snapshot Snapshot(SnapshotRequest request)
    {
        if (request.AdvanceVersion)
            _version++;
        var snapshot = new Snapshot { Version = _version, Weights = Job.Store.Put(JobContext.WeightsKind, _version, _policy!.SaveWeights()) };
        if (request.IncludeOptimizer)
        {
            snapshot.Optimizer = Job.Store.Put(JobContext.OptimizerKind, _version, _policy.SaveOptimizer());
            Job.Store.Forget(JobContext.OptimizerKind, _version);
        }
        return snapshot;
    }
}
