using System.Diagnostics;
using Google.Protobuf;
using R2ec.Actors.Runtime;
using R2ec.RecPO;
using R2ec.Training.Compute;
using R2ec.Training.Learning;
using R2ec.Training.Messages;

namespace R2ec.Training.Actors;

/// <summary>
/// The learner (DESIGN.md §2 step 5): collects a step's rewarded groups (each (step, sample) once), orders them by
/// (user, sample), runs μ PPO epochs of mini-batches, publishes weights version v+1 and, every
/// <c>Rollout:ItemTableRefresh</c> versions, the item table built from them, then reports the step. It also runs the
/// warm-up stages' optimizer steps and snapshots / restores its weights and optimizer for checkpoints.
/// Its weights live only here; a learner that fails is not restarted in place: the job resumes from a checkpoint.
/// </summary>
internal sealed class Learner(JobContext job) : Actor
{
    private IPolicyCompute? _policy;
    private ulong _version;
    private ulong _itemTableVersion;
    private ulong? _lastCompletedStep;
    private StepCollector? _collector;
    private StepPlan? _plan;
    private readonly List<RewardedGroup> _early = [];
    private Stopwatch _stepClock = new();

    protected override Task OnStartedAsync()
    {
        _policy = job.Factory.Create(job.Tokenizer, job.Data, job.Options.Run.Seed);
        return Task.CompletedTask;
    }

    protected override Task OnStoppedAsync()
    {
        _policy?.Dispose();
        return Task.CompletedTask;
    }

    protected override async Task ReceiveAsync(IMessage message)
    {
        switch (message)
        {
            case StepPlan plan:
                _plan = plan;
                _itemTableVersion = plan.ItemTableVersion;
                _collector = new StepCollector(plan.Step, plan.SampleIndices);
                _stepClock = Stopwatch.StartNew();
                var early = _early.Where(g => g.Group.Step == plan.Step).ToList();
                _early.RemoveAll(g => g.Group.Step <= plan.Step);
                foreach (var g in early)
                    await OfferAsync(g);
                break;
            case RewardedGroup group:
                if (_collector is null || group.Group.Step > _collector.Step)
                    _early.Add(group); // crossed its step's plan; kept until the plan arrives
                else
                    await OfferAsync(group);
                break;
            case StepStatusRequest status:
                var reply = new StepStatus { Step = status.Step, Completed = _lastCompletedStep >= status.Step };
                if (!reply.Completed && _collector?.Step == status.Step)
                    reply.Missing.AddRange(_collector.Missing);
                Context.Reply(reply);
                break;
            case WarmUpStep warm:
                Context.Reply(WarmUp(warm));
                break;
            case SnapshotRequest snapshot:
                Context.Reply(Snapshot(snapshot));
                break;
            case RestoreRequest restore:
                _policy!.LoadWeights((await job.Store.FetchAsync(restore.Weights)).Span);
                if (restore.Optimizer is { } optimizer)
                    _policy.LoadOptimizer((await job.Store.FetchAsync(optimizer)).Span);
                _version = restore.Version;
                Context.Reply(new Snapshot { Version = _version, Weights = restore.Weights, Optimizer = restore.Optimizer });
                break;
        }
    }

    private async Task OfferAsync(RewardedGroup group)
    {
        if (group.Group.Incarnation != job.Incarnation)
        {
            // Sampled for a run of the job that was killed and resumed: the resumed run requests its own groups.
            Context.Log.Debug("Learner ignored group of step {Step}, sample {Sample}: {Outcome} (incarnation {Incarnation})",
                group.Group.Step, group.Group.SampleIndex, "StaleIncarnation", group.Group.Incarnation);
            CountIgnored("StaleIncarnation");
            return;
        }
        var outcome = _collector!.Offer(group);
        if (outcome != GroupAcceptance.Accepted)
        {
            Context.Log.Debug("Learner ignored group of step {Step}, sample {Sample}: {Outcome}", group.Group.Step, group.Group.SampleIndex, outcome);
            CountIgnored(outcome.ToString());
            return;
        }
        // The learner's accounting: one such event per (step, sample) proves each group was used exactly once.
        Context.Log.Debug("Learner accepted group of step {Step}, sample {Sample} from {Worker} at policy version {PolicyVersion}",
            group.Group.Step, group.Group.SampleIndex, group.Group.Worker, group.Group.PolicyVersion);
        job.Metrics.Increment("r2ec_learner_groups_accepted_total", "Rewarded groups the learner used, each (step, sample) once.");
        if (_collector.IsComplete)
            await LearnAndPublishAsync();
    }

    private void CountIgnored(string outcome) =>
        job.Metrics.Increment("r2ec_learner_groups_ignored_total", "Rewarded groups the learner did not use, by reason.", 1, ("reason", outcome));

    private async Task LearnAndPublishAsync()
    {
        var collected = _stepClock.Elapsed;
        var options = job.Options;
        var groups = _collector!.Ordered();
        var rows = RecPOUpdate.Rows(groups, job.Data.Dataset.Train);
        var learnClock = Stopwatch.StartNew();
        var stats = RecPOUpdate.Learn(_policy!, rows, options, _plan!.LearningRate);
        var learnSeconds = learnClock.Elapsed.TotalSeconds;

        var broadcastClock = Stopwatch.StartNew();
        _version++;
        var weights = job.Store.Put(JobContext.WeightsKind, _version, _policy!.SaveWeights());
        job.Store.Forget(JobContext.WeightsKind, _version - 1);
        await Context.System.Resolve(JobContext.WeightsTopic).TellAsync(
            new WeightsPublished { Version = _version, Blob = weights, Step = _collector.Step }, Context.Self);
        var encodeSeconds = 0.0;
        if (_version % (ulong)options.Rollout.ItemTableRefresh == 0)
        {
            var encodeClock = Stopwatch.StartNew();
            var table = await Context.System.Resolve(job.ItemTableBuilder)
                .AskAsync<ItemTablePublished>(new BuildItemTable { Version = _version, Weights = weights }, TimeSpan.FromMinutes(10));
            _itemTableVersion = table.Version;
            job.Store.Forget(JobContext.ItemsKind, table.Version);
            encodeSeconds = encodeClock.Elapsed.TotalSeconds;
        }
        var broadcastSeconds = broadcastClock.Elapsed.TotalSeconds;

        var metrics = StepStatistics.Summarize(groups, stats, _version - 1);
        var total = _stepClock.Elapsed.TotalSeconds;
        metrics.RolloutSeconds = collected.TotalSeconds;
        metrics.LearnSeconds = learnSeconds;
        metrics.BroadcastSeconds = broadcastSeconds;
        metrics.LearnerComputeSeconds = learnSeconds + encodeSeconds;
        metrics.TokensPerSecond = collected.TotalSeconds > 0 ? metrics.GeneratedTokens / collected.TotalSeconds : 0;
        // Counted from the groups rather than configured: on a cluster the learner does not know how many workers there are.
        metrics.RolloutWorkers = (uint)groups.Select(g => g.Group.Worker).Distinct(StringComparer.Ordinal).Count();
        metrics.RolloutIdleRatio = Math.Clamp(1 - metrics.RolloutComputeSeconds / (Math.Max(1, metrics.RolloutWorkers) * Math.Max(total, 1e-9)), 0, 1);
        metrics.LearnerIdleRatio = Math.Clamp(collected.TotalSeconds / Math.Max(total, 1e-9), 0, 1);
        metrics.RewardIdleRatio = Math.Clamp(1 - metrics.RewardSeconds / Math.Max(total, 1e-9), 0, 1);
        metrics.GroupsDropped = (uint)_collector.Duplicates;
        _lastCompletedStep = _collector.Step;
        var completed = new StepCompleted { Step = _collector.Step, PolicyVersion = _version, Metrics = metrics, ItemTableVersion = _itemTableVersion };
        _collector = null;
        await Context.System.Resolve(job.Coordinator).TellAsync(completed, Context.Self);
    }

    private WarmUpDone WarmUp(WarmUpStep warm)
    {
        var clock = Stopwatch.StartNew();
        var kind = warm.Stage switch
        {
            "lm" => WarmUpKind.Language,
            "rec" => WarmUpKind.Recommendation,
            _ => throw new ArgumentException($"unknown warm-up stage '{warm.Stage}'"),
        };
        var train = job.Data.Dataset.Train;
        var batch = warm.SampleIndices.Select(i => train[checked((int)i)]).ToList();
        var loss = _policy!.WarmUpStep(kind, batch, warm.LearningRate);
        return new WarmUpDone { Step = warm.Step, Loss = loss.Loss, Tokens = (ulong)loss.Tokens, ComputeSeconds = clock.Elapsed.TotalSeconds };
    }

    private Snapshot Snapshot(SnapshotRequest request)
    {
        _version = request.Version;
        var snapshot = new Snapshot { Version = _version, Weights = job.Store.Put(JobContext.WeightsKind, _version, _policy!.SaveWeights()) };
        if (request.IncludeOptimizer)
        {
            snapshot.Optimizer = job.Store.Put(JobContext.OptimizerKind, _version, _policy.SaveOptimizer());
            job.Store.Forget(JobContext.OptimizerKind, _version);
        }
        return snapshot;
    }
}
