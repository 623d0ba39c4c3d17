using Google.Protobuf;
using R2ec.Actors.Runtime;
using R2ec.Training.Messages;

namespace R2ec.Training.Actors;

/// <summary>
/// The coordinator (DESIGN.md §2 steps 1-2, §5): for each RecPO step it tells the learner the step's samples, sends
/// one rollout request per sample to the rollout pool, and, when a deadline passes with groups missing (a worker died
/// with the request), re-requests exactly the missing samples. It answers the driver's <see cref="RunStep"/> with the
/// learner's <see cref="StepCompleted"/>.
/// </summary>
internal sealed class Coordinator(JobContext job) : Actor
{
    private RunStep? _current;
    private IActorRef? _replyTo;
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
            case StepDeadline deadline when _current is not null && deadline.Step == _current.Step:
                await OnDeadlineAsync(deadline);
                break;
            case StepCompleted completed when _current is not null && completed.Step == _current.Step:
                _deadline?.Cancel();
                completed.Metrics.StepSeconds = _clock.Elapsed.TotalSeconds;
                completed.Metrics.Rerequests = _rerequests;
                _current = null;
                await _replyTo!.TellAsync(completed, Context.Self);
                break;
        }
    }

    private async Task StartAsync(RunStep run)
    {
        _current = run;
        _replyTo = Context.Sender ?? throw new InvalidOperationException("RunStep must be asked, so the coordinator can answer it");
        _rerequests = 0;
        _clock = System.Diagnostics.Stopwatch.StartNew();
        await Context.System.Resolve(job.Learner).TellAsync(new StepPlan
        {
            Step = run.Step, SampleIndices = { run.SampleIndices }, PolicyVersion = run.PolicyVersion, LearningRate = run.LearningRate,
            ItemTableVersion = run.ItemTableVersion,
        }, Context.Self);
        await RequestAsync(run.SampleIndices, attempt: 0);
    }

    private async Task OnDeadlineAsync(StepDeadline deadline)
    {
        var status = await Context.System.Resolve(job.Learner)
            .AskAsync<StepStatus>(new StepStatusRequest { Step = deadline.Step }, TimeSpan.FromSeconds(30));
        if (status.Completed || status.Missing.Count == 0)
            return;
        var next = deadline.Attempt + 1;
        if (next >= job.Options.Learner.MaxRequestAttempts)
        {
            Context.Log.Error("Step {Step}: samples {Missing} still missing after {Attempts} attempts; the step cannot complete",
                deadline.Step, status.Missing.ToArray(), next);
            return;
        }
        Context.Log.Warning("Step {Step}: {Count} groups missing at the deadline (samples {Missing}); re-requesting, attempt {Attempt}",
            deadline.Step, status.Missing.Count, status.Missing.ToArray(), next);
        _rerequests += (uint)status.Missing.Count;
        await RequestAsync(status.Missing, next);
    }

    private async Task RequestAsync(IEnumerable<ulong> samples, uint attempt)
    {
        var run = _current!;
        var train = job.Data.Dataset.Train;
        var pool = Context.System.Resolve(JobContext.RolloutPool);
        var faultStep = job.Options.Faults.RolloutFailStep;
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
            if (faultStep >= 0 && (ulong)faultStep == run.Step && index == run.SampleIndices[0])
            {
                request.InjectFault = true;
                request.FaultSample = index;
            }
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
