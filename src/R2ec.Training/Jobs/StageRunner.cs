using System.Diagnostics;
using Google.Protobuf;
using Akka.Actor;
using R2ec.Shared;
using R2ec.Training.Actors;
using R2ec.Training.Checkpoints;
using R2ec.Training.Evaluation;
using R2ec.Training.Learning;
using R2ec.Training.Messages;
using Serilog;

namespace R2ec.Training.Jobs;

/// <summary>
/// Runs the model stages of a job from a <see cref="JobState"/> (LM warm-up, recommendation warm-up, RecPO), driving
/// the learner and coordinator by messages, and writes the checkpoints, metrics and progress of every step.
/// </summary>
internal sealed class StageRunner(TrainingJob owner, RunCheckpoints checkpoints, JobContext job, JobActors refs, ILogger log, CancellationToken cancellation)
{
    private static readonly TimeSpan LongAsk = TimeSpan.FromMinutes(30);
    private (JobStage Stage, long Step, bool Completed)? _lastCheckpoint;

    /// <summary>Metrics of the RecPO steps run by this invocation.</summary>
    public List<StepMetrics> RecPOSteps { get; } = [];

    public async Task<JobState> RunAsync(JobState state)
    {
        while (true)
        {
            if (state.StageCompleted)
            {
                if (state.Stage == JobStage.RecPO)
                    return state;
                state = state with { Stage = JobStages.Next(state.Stage), Step = 0, StageCompleted = false, DataCursor = 0 };
            }
            state = state.Stage switch
            {
                JobStage.LmWarmup => await WarmUpAsync(state, "lm", job.Options.Stages.LmWarmupSteps),
                JobStage.ReasoningColdStart => await WarmUpAsync(state, "reason", job.Options.Stages.ReasoningColdStartSteps),
                JobStage.RecWarmup => await WarmUpAsync(state, "rec", job.Options.Stages.RecWarmupSteps),
                JobStage.RecPO => await RecPOAsync(state),
                _ => throw new InvalidOperationException($"stage {state.Stage} does not run on the actors"),
            };
            if (!state.StageCompleted)
                return state; // interrupted
        }
    }

    private async Task<JobState> WarmUpAsync(JobState state, string kind, int steps)
    {
        var stageName = JobStages.Name(state.Stage);
        var batchSize = job.Options.Stages.WarmupBatchSize;
        var order = new SampleOrder(KeyedStream.Hash(state.Seed, (ulong)state.Stage, 0), job.Data.Dataset.Train.Count);
        var learner = job.Options.Learner;
        var stageClock = Stopwatch.StartNew();
        var startStep = state.Step;
        for (var step = state.Step; step < steps; step++)
        {
            if (cancellation.IsCancellationRequested)
                return await InterruptAsync(state);
            var (indices, next) = NextBatch(order, state.DataCursor, batchSize);
            // The cold start is LM training on the rationale span, at the LM warm-up's rate.
            var peak = state.Stage is JobStage.LmWarmup or JobStage.ReasoningColdStart ? learner.LmWarmupLearningRate : learner.RecWarmupLearningRate;
            var lr = LearningRates.At(step, steps, peak, learner.RampUpSteps, learner.Schedule);
            var stepClock = Stopwatch.StartNew();
            var done = await refs.AskAsync<WarmUpDone>(refs.Learner, 
                new WarmUpStep { Stage = kind, Step = (ulong)step, SampleIndices = { indices }, LearningRate = lr }, LongAsk);
            state = state with { Step = step + 1, DataCursor = next };
            var seconds = stepClock.Elapsed.TotalSeconds;
            owner.AppendMetrics(stageName, step + 1, new Dictionary<string, object?>
            {
                ["loss"] = done.Loss, ["tokens"] = done.Tokens, ["learningRate"] = lr, ["seconds"] = seconds, ["computeSeconds"] = done.ComputeSeconds,
            });
            log.Information("{Stage:l} step {Step}/{Steps}: loss {Loss:F4}, lr {LearningRate:E2}, {TokensPerSecond:F0} tokens/s, {Seconds:F3} s",
                stageName, step + 1, steps, done.Loss, lr, done.Tokens / Math.Max(seconds, 1e-9), seconds);
            owner.Report(new JobProgress(state.Stage, step + 1, steps, done.Loss, double.NaN, double.NaN, double.NaN,
                done.Tokens / Math.Max(seconds, 1e-9), owner.Elapsed, Eta(stageClock, step + 1 - startStep, steps - step - 1)));
            owner.Completed(state.Stage, step + 1);
            if ((step + 1) % job.Options.Schedule.CheckpointInterval == 0 && step + 1 < steps)
                state = await CheckpointAsync(state, newVersion: true);
        }
        if (state.Stage == JobStage.RecWarmup)
        {
            state = await PublishAsync(state);
            var test = job.Data.Dataset.Test;
            var users = job.Options.Data.EvalUsers == 0 ? test.Count : Math.Min(test.Count, job.Options.Data.EvalUsers);
            var ranks = await owner.EvaluateAsync(job, refs, state, "test", reasoning: false, (uint)users);
            // The same weights with greedy reasoning: what reasoning gives before RecPO has trained it.
            var reasoned = await owner.EvaluateAsync(job, refs, state, "test", reasoning: true, (uint)users);
            foreach (var row in new[] { MetricsRow.FromRanks(TrainingJob.WithoutReasoning, ranks), MetricsRow.FromRanks(TrainingJob.ReasoningWithoutRecPO, reasoned) })
                log.Information("Test {Method} after the recommendation warm-up: Hit@5/10/20 {Hit}, NDCG@5/10/20 {Ndcg}", row.Method, row.Hit, row.Ndcg);
            state = state with { WithoutReasoningRanks = ranks, ReasoningWithoutRecPORanks = reasoned };
        }
        return await CheckpointAsync(state with { StageCompleted = true }, newVersion: state.Stage != JobStage.RecWarmup);
    }

    private async Task<JobState> RecPOAsync(JobState state)
    {
        var options = job.Options;
        var steps = options.Stages.RecPOSteps;
        var order = new SampleOrder(KeyedStream.Hash(state.Seed, (ulong)JobStage.RecPO, 0), job.Data.Dataset.Train.Count);
        if (job.Store.Find(JobContext.ItemsKind, state.ItemTableVersion) is null)
            state = await PublishAsync(state);
        var stageClock = Stopwatch.StartNew();
        var startStep = state.Step;
        // Resumed with steps in flight: request them again at their recorded versions (keyed sampling, same groups).
        // A smaller lag than the checkpoint's would let the learner forget the weights those steps sample with.
        if ((state.InFlight?.Count ?? 0) > options.Learner.MaxStaleness)
            throw new CheckpointException($"the checkpoint at RecPO step {state.Step} has {state.InFlight!.Count} steps in flight, " +
                $"written with Learner:MaxStaleness={state.InFlight.Count}, but this run has Learner:MaxStaleness={options.Learner.MaxStaleness}; " +
                "resume with the lag it was written with");
        foreach (var inFlight in state.InFlight ?? [])
            Prefetch(inFlight);
        for (var step = state.Step; step < steps; step++)
        {
            if (cancellation.IsCancellationRequested)
                return await InterruptAsync(state);
            state = TopUp(state, order, step, steps);
            var head = state.InFlight![0];
            if (head.Step != step)
                throw new InvalidOperationException($"RecPO step {step} is due, but the oldest step in flight is {head.Step}");
            var lr = LearningRates.At(step, steps, options.Learner.LearningRate, options.Learner.RampUpSteps, options.Learner.Schedule);
            // The coordinator answers within deadline × attempts plus the learning time: StepFailed when groups stay missing.
            // A prefetched step samples at the versions of its prefetch; the versions here are the learner's current ones.
            var answer = await refs.AskAsync<IMessage>(refs.Coordinator, new RunStep
            {
                Step = (ulong)step, SampleIndices = { head.SampleIndices }, PolicyVersion = state.PolicyVersion,
                ItemTableVersion = state.ItemTableVersion, LearningRate = lr,
            }, LongAsk);
            var completed = answer switch
            {
                StepCompleted c => c,
                StepFailed failed => throw new StepFailedException(failed),
                StepOwnerFailed failed => throw new StepFailedException(failed),
                _ => throw new InvalidOperationException($"RunStep {step} answered with {answer.Descriptor.FullName}"),
            };
            state = state with
            {
                Step = step + 1, PolicyVersion = completed.PolicyVersion, ItemTableVersion = completed.ItemTableVersion,
                InFlight = state.InFlight.Skip(1).ToArray(),
            };
            var m = completed.Metrics;
            RecPOSteps.Add(m);
            owner.AppendMetrics("recpo", step + 1, m);
            log.Information(
                "RecPO step {Step}/{Steps}: reward {RewardMean:F4} ± {RewardStd:F4}, advantage {AdvantageMean:F3} ± {AdvantageStd:F3}, " +
                "token loss {TokenLoss:F4}, item loss {ItemLoss:F4}, clip {ClipFraction:F3}, KL {ApproxKl:F5}, grad norm {GradNorm:F3}, " +
                "{TokensPerSecond:F0} tokens/s, rollout {RolloutSeconds:F3} s, reward {RewardSeconds:F4} s, learn {LearnSeconds:F3} s, " +
                "broadcast {BroadcastSeconds:F3} s, step {StepSeconds:F3} s, idle rollout {RolloutIdleRatio:P0} reward {RewardIdleRatio:P0} learner {LearnerIdleRatio:P0}, " +
                "version {PolicyVersion} lag {MaxVersionLag}, capped importance weights: tokens {CappedTokenFraction:P1} items {CappedItemFraction:P1}, re-requests {Rerequests}",
                step + 1, steps, m.RewardMean, m.RewardStd, m.AdvantageMean, m.AdvantageStd, m.TokenLoss, m.ItemLoss, m.ClipFraction,
                m.ApproxKl, m.GradNorm, m.TokensPerSecond, m.RolloutSeconds, m.RewardSeconds, m.LearnSeconds, m.BroadcastSeconds,
                m.StepSeconds, m.RolloutIdleRatio, m.RewardIdleRatio, m.LearnerIdleRatio, completed.PolicyVersion, m.MaxVersionLag, m.CappedTokenFraction, m.CappedItemFraction, m.Rerequests);
            owner.Report(new JobProgress(JobStage.RecPO, step + 1, steps, m.TokenLoss + m.ItemLoss, m.RewardMean, m.TokenLoss, m.ItemLoss,
                m.TokensPerSecond, owner.Elapsed, Eta(stageClock, step + 1 - startStep, steps - step - 1)));
            owner.Completed(JobStage.RecPO, step + 1);
            // The last step is validated too: settings are chosen on the valid split at the end of RecPO, never on test.
            if (options.Schedule.EvalInterval > 0 && ((step + 1) % options.Schedule.EvalInterval == 0 || step + 1 == steps)
                && job.Data.Dataset.Valid.Count > 0)
                await ValidateAsync(state);
            if ((step + 1) % options.Schedule.CheckpointInterval == 0 && step + 1 < steps)
                state = await CheckpointAsync(state, newVersion: false);
        }
        return await CheckpointAsync(state with { StageCompleted = true }, newVersion: false);
    }

    /// <summary>
    /// Requests every step up to <paramref name="step"/> + s (<c>Learner:MaxStaleness</c>) not yet in flight, at the
    /// versions current now, so that step t + s samples with the policy that step t starts from: a fixed lag whatever
    /// the timing. The synchronous loop requests only <paramref name="step"/> itself, through its RunStep.
    /// </summary>
    private JobState TopUp(JobState state, SampleOrder order, long step, long steps)
    {
        var lag = job.Options.Learner.MaxStaleness;
        var inFlight = (state.InFlight ?? []).ToList();
        var cursor = state.DataCursor;
        for (var next = inFlight.Count == 0 ? step : inFlight[^1].Step + 1; next <= step + lag && next < steps; next++)
        {
            var (indices, after) = NextBatch(order, cursor, job.Options.Learner.UsersPerStep);
            cursor = after;
            var requested = new InFlightStep(next, indices, state.PolicyVersion, state.ItemTableVersion);
            inFlight.Add(requested);
            if (lag > 0)
                Prefetch(requested);
        }
        return state with { DataCursor = cursor, InFlight = inFlight };
    }

    private void Prefetch(InFlightStep step) =>
        refs.Coordinator.Tell(new PrefetchStep
        {
            Step = (ulong)step.Step, SampleIndices = { step.SampleIndices }, PolicyVersion = step.PolicyVersion, ItemTableVersion = step.ItemTableVersion,
        });

    private async Task ValidateAsync(JobState state)
    {
        var examples = new List<Experiments.ReasoningExample>();
        var ranks = await owner.EvaluateAsync(job, refs, state, "valid", reasoning: true, (uint)job.Options.Schedule.EvalValidUsers, examples);
        var row = MetricsRow.FromRanks("valid", ranks);
        owner.AppendMetrics("valid", state.Step, new Dictionary<string, object?> { ["users"] = row.Users, ["hit"] = row.Hit, ["ndcg"] = row.Ndcg, ["examples"] = examples, ["ranks"] = ranks });
        log.Information("Validation after RecPO step {Step}: users {Users}, Hit@5/10/20 {Hit}, NDCG@5/10/20 {Ndcg}", state.Step, row.Users, row.Hit, row.Ndcg);
    }

    /// <summary>Publishes the learner's current weights as a new version and builds its item table.</summary>
    private async Task<JobState> PublishAsync(JobState state)
    {
        var snapshot = await refs.AskAsync<Snapshot>(refs.Learner, new SnapshotRequest { AdvanceVersion = true }, LongAsk);
        var table = await refs.AskAsync<ItemTablePublished>(refs.ItemTableBuilder, new BuildItemTable { Version = snapshot.Version, Weights = snapshot.Weights }, LongAsk);
        return state with { PolicyVersion = snapshot.Version, ItemTableVersion = table.Version };
    }

    private async Task<JobState> InterruptAsync(JobState state) =>
        _lastCheckpoint == (state.Stage, state.Step, state.StageCompleted) ? state : await CheckpointAsync(state, newVersion: state.Stage != JobStage.RecPO);

    private async Task<JobState> CheckpointAsync(JobState state, bool newVersion)
    {
        // The learner owns the version: it advances it when asked and says which version it published.
        var snapshot = await refs.AskAsync<Snapshot>(refs.Learner, new SnapshotRequest { AdvanceVersion = newVersion, IncludeOptimizer = true }, LongAsk);
        state = state with { PolicyVersion = snapshot.Version };
        var items = job.Store.Find(JobContext.ItemsKind, state.ItemTableVersion) is { } table ? job.Store.Fetch(table) : (ReadOnlyMemory<byte>?)null;
        checkpoints.Save(state, new RunCheckpoints.Blobs(job.Tokenizer, job.Store.Fetch(snapshot.Weights), job.Store.Fetch(snapshot.Optimizer), items,
            InFlightBlobs(state)));
        _lastCheckpoint = (state.Stage, state.Step, state.StageCompleted);
        log.Information("Checkpoint written: stage {Stage:l}, step {Step}, completed {StageCompleted}, policy version {PolicyVersion}",
            JobStages.Name(state.Stage), state.Step, state.StageCompleted, state.PolicyVersion);
        return state;
    }

    /// <summary>The older weights and item tables the steps in flight sample with, so that a resumed run requests them again.</summary>
    private Dictionary<string, ReadOnlyMemory<byte>> InFlightBlobs(JobState state)
    {
        var files = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        foreach (var step in state.InFlight ?? [])
        {
            if (step.PolicyVersion != state.PolicyVersion)
                files.TryAdd(RunCheckpoints.InFlightWeightsFile(step.PolicyVersion), job.Store.Fetch(Held(JobContext.WeightsKind, step.PolicyVersion, step.Step)));
            if (step.ItemTableVersion != state.ItemTableVersion)
                files.TryAdd(RunCheckpoints.InFlightItemsFile(step.ItemTableVersion), job.Store.Fetch(Held(JobContext.ItemsKind, step.ItemTableVersion, step.Step)));
        }
        return files;
    }

    private BlobRef Held(string kind, ulong version, long step) =>
        job.Store.Find(kind, version) ?? throw new InvalidOperationException($"{kind} version {version}, which RecPO step {step} in flight samples with, is not on the data plane");

    /// <summary>
    /// The next <paramref name="size"/> distinct samples from the stream at <paramref name="cursor"/>: a batch that
    /// straddles two epochs skips a sample it already holds, so a step never asks for one sample twice.
    /// </summary>
    internal static (ulong[] Indices, long Next) NextBatch(SampleOrder order, long cursor, int size)
    {
        var picked = new List<ulong>(size);
        var seen = new HashSet<int>();
        var position = cursor;
        while (picked.Count < size && position - cursor < 4L * size + order.Count)
        {
            var index = order.At(position++);
            if (seen.Add(index))
                picked.Add((ulong)index);
        }
        return (picked.ToArray(), position);
    }

    private static TimeSpan Eta(Stopwatch stageClock, long stepsDone, long stepsLeft) =>
        stepsDone <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(stageClock.Elapsed.TotalSeconds / stepsDone * stepsLeft);
}
