using Google.Protobuf;
using R2ec.Actors.Runtime;
using R2ec.Training.Learning;
using R2ec.Training.Messages;

namespace R2ec.Training.Actors;

/// <summary>
/// The coordinator owns each RecPO step (DESIGN.md §2 steps 1-2, §5): it hands out one rollout request per sample,
/// collects the rewarded groups and accepts each (step, sample) once, handles the deadline by re-requesting exactly
/// the missing samples, and, once every group is in, gives the learner the step's batch ordered by (user, sample)
/// followed by <see cref="LearnStep"/>. It answers the driver's <see cref="RunStep"/> with the learner's
/// <see cref="StepCompleted"/>, or with <see cref="StepFailed"/> naming the step and the missing samples when they
/// are still missing after <c>Learner:MaxRequestAttempts</c> attempts, so a step never outlives deadline × attempts.
/// </summary>
internal sealed class Coordinator(JobContext job) : Actor
{
    private RunStep? _current;
    private IActorRef? _replyTo;
    private StepCollector? _collector;
    private bool _handedOver;
    private uint _rerequests;
    private System.Diagnostics.Stopwatch _clock = new();
    private CancellationTokenSource? _deadline;

    protected override Task OnStoppedAsync()
    {
        _deadline?.Cancel();
        return Task.CompletedTask;
    }

    protected override async Task ReceiveAsync(IMessage message)
    {
        switch (message)
        {
            case RunStep run:
                await StartAsync(run);
                break;
            case RewardedGroup group:
                await CollectAsync(group);
                break;
            case StepDeadline deadline when _current is not null && !_handedOver && deadline.Step == _current.Step:
                await OnDeadlineAsync(deadline);
                break;
            case StepCompleted completed when _current is not null && completed.Step == _current.Step:
                completed.Metrics.StepSeconds = _clock.Elapsed.TotalSeconds;
                completed.Metrics.Rerequests = _rerequests;
                await EndStepAsync(completed);
                break;
        }
    }

    private async Task StartAsync(RunStep run)
    {
        if (_current is not null)
            throw new InvalidOperationException($"RunStep {run.Step} arrived while step {_current.Step} is still running");
        _current = run;
        _replyTo = Context.Sender ?? throw new InvalidOperationException("RunStep must be asked, so the coordinator can answer it");
        _collector = new StepCollector(run.Step, run.SampleIndices);
        _handedOver = false;
        _rerequests = 0;
        _clock = System.Diagnostics.Stopwatch.StartNew();
        await RequestAsync(run.SampleIndices, attempt: 0);
    }

    private async Task CollectAsync(RewardedGroup group)
    {
        if (group.Group.Incarnation != job.Incarnation)
        {
            // Sampled for a run of the job that was killed and resumed: the resumed run requests its own groups.
            Ignore(group, "StaleIncarnation");
            return;
        }
        if (_collector is null)
        {
            Ignore(group, nameof(GroupAcceptance.OtherStep));
            return;
        }
        var outcome = _collector.Offer(group);
        if (outcome != GroupAcceptance.Accepted)
        {
            Ignore(group, outcome.ToString());
            return;
        }
        // The job's accounting: one such event per (step, sample) proves each group was used exactly once.
        Context.Log.Debug("Coordinator accepted group of step {Step}, sample {Sample} from {Worker} at policy version {PolicyVersion}",
            group.Group.Step, group.Group.SampleIndex, group.Group.Worker, group.Group.PolicyVersion);
        job.Metrics.Increment("r2ec_coordinator_groups_accepted_total", "Rewarded groups the coordinator accepted for learning, each (step, sample) once.");
        if (_collector.IsComplete && !_handedOver)
            await HandOverAsync();
    }

    private void Ignore(RewardedGroup group, string outcome)
    {
        Context.Log.Debug("Coordinator ignored group of step {Step}, sample {Sample}: {Outcome} (incarnation {Incarnation})",
            group.Group.Step, group.Group.SampleIndex, outcome, group.Group.Incarnation);
        job.Metrics.Increment("r2ec_coordinator_groups_ignored_total", "Rewarded groups the coordinator did not accept, by reason.", 1, ("reason", outcome));
    }

    /// <summary>Sends the learner the step's groups in (user, sample) order, then the message that closes the batch.</summary>
    private async Task HandOverAsync()
    {
        _handedOver = true;
        _deadline?.Cancel();
        var run = _current!;
        var learner = Context.System.Resolve(job.Learner);
        var groups = _collector!.Ordered();
        var rollout = _clock.Elapsed.TotalSeconds;
        foreach (var group in groups)
            await learner.TellAsync(group, Context.Self);
        await learner.TellAsync(new LearnStep
        {
            Step = run.Step, GroupCount = (uint)groups.Count, LearningRate = run.LearningRate, ItemTableVersion = run.ItemTableVersion,
            RolloutSeconds = rollout, GroupsDropped = (uint)_collector.Duplicates,
        }, Context.Self);
    }

    private async Task OnDeadlineAsync(StepDeadline deadline)
    {
        var missing = _collector!.Missing;
        if (missing.Count == 0)
            return;
        var next = deadline.Attempt + 1;
        if (next >= job.Options.Learner.MaxRequestAttempts)
        {
            Context.Log.Error("Step {Step} failed: samples {Missing} still missing after {Attempts} attempts of {DeadlineSeconds} s each",
                deadline.Step, missing.ToArray(), next, job.Options.Learner.StepDeadlineSeconds);
            await EndStepAsync(new StepFailed
            {
                Step = deadline.Step, Missing = { missing }, Attempts = next, DeadlineSeconds = job.Options.Learner.StepDeadlineSeconds,
            });
            return;
        }
        Context.Log.Warning("Step {Step}: {Count} groups missing at the deadline (samples {Missing}); re-requesting, attempt {Attempt}",
            deadline.Step, missing.Count, missing.ToArray(), next);
        _rerequests += (uint)missing.Count;
        await RequestAsync(missing, next);
    }

    private async Task EndStepAsync(IMessage answer)
    {
        _deadline?.Cancel();
        var replyTo = _replyTo!;
        _current = null;
        _collector = null;
        _replyTo = null;
        await replyTo.TellAsync(answer, Context.Self);
    }

    private async Task RequestAsync(IEnumerable<ulong> samples, uint attempt)
    {
        var run = _current!;
        var train = job.Data.Dataset.Train;
        var pool = Context.System.Resolve(JobContext.RolloutPool);
        var faults = job.Options.Faults;
        var tokenizer = Held(JobContext.TokenizerKind, 0);
        var weights = Held(JobContext.WeightsKind, run.PolicyVersion);
        var table = Held(JobContext.ItemsKind, run.ItemTableVersion);
        foreach (var index in samples)
        {
            var request = new RolloutRequest
            {
                Step = run.Step,
                PolicyVersion = run.PolicyVersion,
                ItemTableVersion = run.ItemTableVersion,
                GroupSize = (uint)job.Options.Rollout.GroupSize,
                Seed = job.Options.Run.Seed,
                Attempt = attempt,
                Samples = { new RolloutSample { SampleIndex = index, UserIndex = (uint)train[checked((int)index)].User } },
                Tokenizer = tokenizer,
                Weights = weights,
                ItemTable = table,
                Incarnation = job.Incarnation,
            };
            var first = index == run.SampleIndices[0];
            if (first && faults.RolloutFailStep >= 0 && (ulong)faults.RolloutFailStep == run.Step)
            {
                request.InjectFault = true;
                request.FaultSample = index;
            }
            if (first && faults.RolloutDropStep >= 0 && (ulong)faults.RolloutDropStep == run.Step)
                request.InjectDrop = true;
            await pool.TellAsync(request, Context.Self);
        }
        _deadline?.Cancel();
        var cts = _deadline = new CancellationTokenSource();
        var self = Context.Self;
        var tick = new StepDeadline { Step = run.Step, Attempt = attempt };
        _ = Task.Delay(TimeSpan.FromSeconds(job.Options.Learner.StepDeadlineSeconds), cts.Token)
            .ContinueWith(_ => self.Tell(tick), cts.Token, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    private Messages.BlobRef Held(string kind, ulong version) =>
        job.Store.Find(kind, version) ?? throw new InvalidOperationException($"{kind} version {version} is not on the learner's data plane");
}
