using System.Diagnostics;
using Akka.Actor;
using Google.Protobuf;
using R2ec.Training.Learning;
using R2ec.Training.Messages;

namespace R2ec.Training.Actors;

/// <summary>
/// The coordinator owns each RecPO step (DESIGN.md §2 steps 1-2, §5): it queues one rollout request per sample and
/// hands them to rollout workers as they ask for work (work pulling), collects the rewarded groups and accepts each
/// (step, sample) once, handles the deadline by re-requesting exactly the missing samples, and, once every group is
/// in, gives the learner the step's batch ordered by (user, sample) followed by <see cref="LearnStep"/>. It answers
/// the driver's <see cref="RunStep"/> with the learner's <see cref="StepCompleted"/>, or with <see cref="StepFailed"/>
/// naming the step and the missing samples when they are still missing after <c>Learner:MaxRequestAttempts</c>
/// attempts, so a step never outlives deadline × attempts.
/// <para>It knows what each worker holds: it watches every worker that asks for work, and a request held by a worker
/// that terminates, or that asks again as a fresh (restarted) worker, goes back to the front of the queue.</para>
/// <para>Pipelined (<c>Learner:MaxStaleness</c> = s &gt; 0), the driver also sends <see cref="PrefetchStep"/>: the
/// requests of step t + s go out, at the versions the prefetch names, while step t learns, so up to s + 1 steps are in
/// flight, each with its own collector. A prefetched step is handed to the learner, in step order, only once its
/// <see cref="RunStep"/> has arrived (the driver sends it after the previous step completed), and its deadline starts then.</para>
/// </summary>
internal sealed class Coordinator : JobActor, IWithTimers
{
    private const string DeadlineTimer = "step-deadline";

    private readonly IActorRef _learner;
    private readonly LinkedList<RolloutRequest> _queue = new();
    // Every worker that asked for work, with the request it holds (null when idle).
    private readonly Dictionary<IActorRef, RolloutRequest?> _workers = [];
    // Workers that asked for work, in the order they asked; one may have been handed work or have died since (checked
    // on the way out). Dispatch takes from here instead of scanning every worker: with a thousand workers a scan per
    // WorkRequest made each step quadratic in the pool (tests/bench/cluster-scale.py).
    private readonly Queue<IActorRef> _idle = new();
    // Every step whose requests are out and that is not learned yet: one in the synchronous loop, up to s + 1 pipelined.
    private readonly Dictionary<ulong, StepInFlight> _inFlight = [];
    // The step the driver runs (its RunStep arrived); it goes to the learner once its groups are in.
    private StepInFlight? _current;

    /// <summary>One requested step: the versions it samples with, its collector and, once the driver runs it, its RunStep.</summary>
    private sealed class StepInFlight(ulong step, IReadOnlyList<ulong> samples, ulong policyVersion, ulong itemTableVersion)
    {
        public ulong Step { get; } = step;
        public IReadOnlyList<ulong> Samples { get; } = samples;
        public ulong PolicyVersion { get; } = policyVersion;
        public ulong ItemTableVersion { get; } = itemTableVersion;
        public StepCollector Collector { get; } = new(step, samples);
        public CoordinatorLoad Load { get; } = new();
        public RunStep? Run { get; set; }
        public IActorRef? ReplyTo { get; set; }
        public bool HandedOver { get; set; }
        public uint Rerequests { get; set; }
        public Stopwatch Clock { get; set; } = new();
    }

    public Coordinator(JobContext job, IActorRef learner) : base(job)
    {
        _learner = learner;
        Receive<RunStep>(Start);
        Receive<PrefetchStep>(Prefetch);
        Receive<RewardedGroup>(Collect);
        Receive<StepDeadline>(d => _current is not null && !_current.HandedOver && d.Step == _current.Step, OnDeadline);
        Receive<StepCompleted>(c => _current is not null && c.Step == _current.Step, completed =>
        {
            completed.Metrics.StepSeconds = _current!.Clock.Elapsed.TotalSeconds;
            completed.Metrics.Rerequests = _current.Rerequests;
            EndStep(completed);
        });
        Receive<WorkRequest>(OnWorkRequest);
        Receive<Terminated>(OnTerminated);
        // A deadline of a step already over, or a completion of another step: nothing to do.
        Receive<StepDeadline>(_ => { });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Times every message for the step's load event: how busy one coordinator is bounds how far it goes.</summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        var start = Stopwatch.GetTimestamp();
        var cpu = CoordinatorLoad.ThreadCpuNanoseconds();
        var handled = base.AroundReceive(receive, message);
        // Between steps (no step run yet) the time is nobody's: the load event is per step.
        _current?.Load.Busy(Stopwatch.GetTimestamp() - start, CoordinatorLoad.ThreadCpuNanoseconds() - cpu);
        return handled;
    }

    private void Start(RunStep run)
    {
        if (_current is not null)
            throw new InvalidOperationException($"RunStep {run.Step} arrived while step {_current.Step} is still running");
        var failAt = Job.Options.Faults.CoordinatorFailStep;
        if (failAt >= 0 && (ulong)failAt == run.Step)
            throw new InjectedFaultException($"Faults:CoordinatorFailStep: the coordinator throws at the start of RecPO step {run.Step}");
        var prefetched = _inFlight.TryGetValue(run.Step, out var step);
        if (!prefetched)
        {
            step = new StepInFlight(run.Step, run.SampleIndices, run.PolicyVersion, run.ItemTableVersion);
            _inFlight.Add(run.Step, step);
        }
        else if (!step!.Samples.SequenceEqual(run.SampleIndices))
            throw new InvalidOperationException($"RunStep {run.Step} names other samples than the step's prefetch");
        step!.Run = run;
        step.ReplyTo = Sender;
        step.Clock = Stopwatch.StartNew();
        _current = step;
        if (!prefetched)
        {
            Request(step, run.SampleIndices, attempt: 0);
            return;
        }
        StartDeadline(step, attempt: 0);
        if (step.Collector.IsComplete)
            HandOver(step);
    }

    private void Prefetch(PrefetchStep prefetch)
    {
        if (_inFlight.ContainsKey(prefetch.Step))
            throw new InvalidOperationException($"PrefetchStep {prefetch.Step} arrived while that step is already in flight");
        var step = new StepInFlight(prefetch.Step, prefetch.SampleIndices, prefetch.PolicyVersion, prefetch.ItemTableVersion);
        _inFlight.Add(prefetch.Step, step);
        Request(step, prefetch.SampleIndices, attempt: 0);
    }

    private void OnWorkRequest(WorkRequest work)
    {
        var worker = Sender;
        if (!_workers.TryGetValue(worker, out var held))
        {
            Context.Watch(worker);
            Log.Information("Rollout worker {Worker} joined the pool", worker.Path.ToString());
        }
        else if (work.Fresh && held is not null)
        {
            // The worker restarted with the request in hand: it will never answer it.
            Requeue(worker, held, "restarted");
        }
        _workers[worker] = null;
        _idle.Enqueue(worker);
        Dispatch();
    }

    private void OnTerminated(Terminated terminated)
    {
        if (!_workers.Remove(terminated.ActorRef, out var held))
            return;
        Log.Warning("Rollout worker {Worker} terminated; {Workers} workers left", terminated.ActorRef.Path.ToString(), _workers.Count);
        if (held is not null)
            Requeue(terminated.ActorRef, held, "terminated");
        Dispatch();
    }

    private void Requeue(IActorRef worker, RolloutRequest held, string why)
    {
        var again = held.Clone();
        again.Redelivered = true;
        _queue.AddFirst(again);
        Log.Warning("Re-queued the request of step {Step}, samples {Samples} held by {Worker}, which {Why}",
            held.Step, held.Samples.Select(s => s.SampleIndex).ToArray(), worker.Path.ToString(), why);
        Job.Metrics.Increment("r2ec_coordinator_requests_requeued_total", "Rollout requests handed out again because their worker stopped or restarted.");
    }

    /// <summary>Hands queued requests of the current step to idle workers; requests of a finished step are dropped.</summary>
    private void Dispatch()
    {
        while (_idle.TryPeek(out var worker))
        {
            if (!_workers.TryGetValue(worker, out var holds) || holds is not null)
            {
                // Gone, or already busy through an earlier entry: not idle.
                _idle.Dequeue();
                continue;
            }
            RolloutRequest? next = null;
            while (next is null && _queue.First is { } first)
            {
                _queue.RemoveFirst();
                if (IsWanted(first.Value))
                    next = first.Value;
            }
            if (next is null)
                return;
            _idle.Dequeue();
            _workers[worker] = next;
            var load = _inFlight[next.Step].Load;
            foreach (var sample in next.Samples)
                load.Dispatched(sample.SampleIndex);
            worker.Tell(next, Self);
        }
    }

    // A request is still worth sampling while its step is in flight, not handed over, and one of its samples is still missing.
    private bool IsWanted(RolloutRequest request) =>
        _inFlight.TryGetValue(request.Step, out var step) && !step.HandedOver && request.Incarnation == Job.Incarnation
        && request.Samples.Any(s => step.Collector.IsMissing(s.SampleIndex));

    private void Collect(RewardedGroup group)
    {
        if (group.Group.Incarnation != Job.Incarnation)
        {
            // Sampled for a run of the job that was killed and resumed: the resumed run requests its own groups.
            Ignore(group, "StaleIncarnation");
            return;
        }
        if (!_inFlight.TryGetValue(group.Group.Step, out var step))
        {
            Ignore(group, nameof(GroupAcceptance.OtherStep));
            return;
        }
        step.Load.Mailbox(((ActorCell)Context).Mailbox?.MessageQueue.Count ?? 0);
        var outcome = step.Collector.Offer(group);
        if (outcome != GroupAcceptance.Accepted)
        {
            Ignore(group, outcome.ToString());
            return;
        }
        // The job's accounting: one such event per (step, sample) proves each group was used exactly once.
        Log.Debug("Coordinator accepted group of step {Step}, sample {Sample} from {Worker} at policy version {PolicyVersion}",
            group.Group.Step, group.Group.SampleIndex, group.Group.Worker, group.Group.PolicyVersion);
        Job.Metrics.Increment("r2ec_coordinator_groups_accepted_total", "Rewarded groups the coordinator accepted for learning, each (step, sample) once.");
        step.Load.Accepted(group.Group.SampleIndex);
        if (step == _current && step.Collector.IsComplete && !step.HandedOver)
            HandOver(step);
    }

    private void Ignore(RewardedGroup group, string outcome)
    {
        Log.Debug("Coordinator ignored group of step {Step}, sample {Sample}: {Outcome} (incarnation {Incarnation})",
            group.Group.Step, group.Group.SampleIndex, outcome, group.Group.Incarnation);
        Job.Metrics.Increment("r2ec_coordinator_groups_ignored_total", "Rewarded groups the coordinator did not accept, by reason.", 1, ("reason", outcome));
    }

    /// <summary>Sends the learner the step's groups in (user, sample) order, then the message that closes the batch.</summary>
    private void HandOver(StepInFlight step)
    {
        step.HandedOver = true;
        Timers.Cancel(DeadlineTimer);
        DropQueued(step.Step);
        var run = step.Run!;
        var groups = step.Collector.Ordered();
        var rollout = step.Clock.Elapsed.TotalSeconds;
        var load = step.Load.Summary();
        Log.Information("Coordinator load of step {Step}: {Groups} groups in {LoadSeconds} s, {GroupsPerSecond} groups/s, request to accepted group " +
            "p50 {LatencyP50Ms} ms, p99 {LatencyP99Ms} ms, mailbox depth mean {MailboxMean}, max {MailboxMax}, busy {BusySeconds} s ({BusyCpuSeconds} s CPU), {Workers} workers",
            run.Step, load.Groups, load.RolloutSeconds, load.GroupsPerSecond, load.LatencyP50Ms, load.LatencyP99Ms, load.MailboxMean, load.MailboxMax,
            load.BusySeconds, load.BusyCpuSeconds, _workers.Count);
        foreach (var group in groups)
            _learner.Tell(group, Self);
        _learner.Tell(new LearnStep
        {
            Step = run.Step, GroupCount = (uint)groups.Count, LearningRate = run.LearningRate, ItemTableVersion = run.ItemTableVersion,
            RolloutSeconds = rollout, GroupsDropped = (uint)step.Collector.Duplicates,
        }, Self);
    }

    /// <summary>Removes the queued requests of <paramref name="step"/> (it is handed over or over); other steps' stay queued.</summary>
    private void DropQueued(ulong step)
    {
        for (var node = _queue.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.Step == step)
                _queue.Remove(node);
            node = next;
        }
    }

    private void OnDeadline(StepDeadline deadline)
    {
        var step = _current!;
        var missing = step.Collector.Missing;
        if (missing.Count == 0)
            return;
        var next = deadline.Attempt + 1;
        if (next >= Job.Options.Learner.MaxRequestAttempts)
        {
            Log.Error("Step {Step} failed: samples {Missing} still missing after {Attempts} attempts of {DeadlineSeconds} s each",
                deadline.Step, missing.ToArray(), next, Job.Options.Learner.StepDeadlineSeconds);
            EndStep(new StepFailed
            {
                Step = deadline.Step, Missing = { missing }, Attempts = next, DeadlineSeconds = Job.Options.Learner.StepDeadlineSeconds,
            });
            return;
        }
        Log.Warning("Step {Step}: {Count} groups missing at the deadline (samples {Missing}); re-requesting, attempt {Attempt}",
            deadline.Step, missing.Count, missing.ToArray(), next);
        step.Rerequests += (uint)missing.Count;
        Request(step, missing, next);
    }

    private void EndStep(IMessage answer)
    {
        Timers.Cancel(DeadlineTimer);
        var step = _current!;
        DropQueued(step.Step);
        _inFlight.Remove(step.Step);
        _current = null;
        step.ReplyTo!.Tell(answer, Self);
    }

    /// <summary>Queues requests for <paramref name="samples"/> of <paramref name="run"/> at its versions; the deadline runs for the driver's current step only.</summary>
    private void Request(StepInFlight run, IEnumerable<ulong> samples, uint attempt)
    {
        var train = Job.Data.Dataset.Train;
        var faults = Job.Options.Faults;
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
                GroupSize = (uint)Job.Options.Rollout.GroupSize,
                Seed = Job.Options.Run.Seed,
                Attempt = attempt,
                Samples = { new RolloutSample { SampleIndex = index, UserIndex = (uint)train[checked((int)index)].User } },
                Tokenizer = tokenizer,
                Weights = weights,
                ItemTable = table,
                Incarnation = Job.Incarnation,
            };
            var first = index == run.Samples[0];
            if (first && faults.RolloutFailStep >= 0 && (ulong)faults.RolloutFailStep == run.Step)
            {
                request.InjectFault = true;
                request.FaultSample = index;
            }
            if (first && faults.RolloutDropStep >= 0 && (ulong)faults.RolloutDropStep == run.Step)
                request.InjectDrop = true;
            _queue.AddLast(request);
        }
        if (run == _current)
            StartDeadline(run, attempt);
        Dispatch();
    }

    private void StartDeadline(StepInFlight step, uint attempt) =>
        Timers.StartSingleTimer(DeadlineTimer, new StepDeadline { Step = step.Step, Attempt = attempt },
            TimeSpan.FromSeconds(Job.Options.Learner.StepDeadlineSeconds));

    private BlobRef Held(string kind, ulong version) =>
        Job.Store.Find(kind, version) ?? throw new InvalidOperationException($"{kind} version {version} is not on the learner's data plane");
}
