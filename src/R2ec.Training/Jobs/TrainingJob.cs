using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using R2ec.Training.Logging;
using Akka.Actor;
using R2ec.Training.Actors;
using R2ec.Training.Baselines;
using R2ec.Training.Blobs;
using R2ec.Training.Checkpoints;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;
using R2ec.Training.DataPlane;
using R2ec.Training.Evaluation;
using R2ec.Training.Experiments;
using R2ec.Training.Learning;
using R2ec.Training.Messages;
using Serilog;

namespace R2ec.Training.Jobs;

/// <summary>
/// One training job: the stages of DESIGN.md §7 run in order on the actors of §2, each resumable from the newest
/// checkpoint of the run directory. Checkpoints are written every <c>Schedule:CheckpointInterval</c> steps, at the end
/// of every stage and when the job is cancelled. The pieces are separate: <see cref="JobActors"/> is the actor layout,
/// <see cref="StageRunner"/> runs the stages, <see cref="RunCheckpoints"/> resumes and writes checkpoints, and
/// <see cref="RunReport"/> writes the report; this class wires them for one invocation and evaluates the test split.
/// Randomness is keyed by (seed, step, sample, trajectory) and batches are ordered by (user, sample), so a run resumed
/// from step k computes exactly what the uninterrupted run computed.
/// </summary>
public sealed class TrainingJob
{
    /// <summary>Row name of the recommendation warm-up evaluated without reasoning.</summary>
    public const string WithoutReasoning = "without reasoning";

    /// <summary>Row name of the recommendation warm-up's weights evaluated with greedy reasoning (reasoning before RecPO trained it).</summary>
    public const string ReasoningWithoutRecPO = "reasoning without RecPO";

    /// <summary>Row name of the RecPO-trained policy evaluated with greedy reasoning.</summary>
    public const string WithRecPO = "R2ec (RecPO)";

    /// <summary>The method name of the RecPO weights scored without reasoning (the head right after the prompt).</summary>
    public const string RecPOWithoutReasoning = "RecPO weights without reasoning";

    private static readonly TimeSpan LongAsk = TimeSpan.FromMinutes(30);

    private readonly JobOptions _options;
    private readonly TrainingData _data;
    private readonly IPolicyFactory _factory;
    private readonly RunDirectory _run;
    private readonly ILogger _outerLogger;
    private readonly RunCheckpoints _checkpoints;
    private readonly Stopwatch _clock = new();

    private readonly JobPlacement _placement;

    // The final R2ec evaluation's first samples with their reasoning, for the report.
    private List<ReasoningExample> Examples { get; } = [];

    // What training the SASRec baseline cost in this invocation, for the report; null when it is off.
    private SasRecTraining? SasRec { get; set; }

    /// <summary>Prepares a job in <paramref name="run"/> with every actor in this process; it resumes when the run directory holds a checkpoint.</summary>
    public TrainingJob(JobOptions options, TrainingData data, IPolicyFactory factory, RunDirectory run, ILogger logger)
        : this(options, data, factory, run, logger, JobPlacement.SingleProcess())
    {
    }

    /// <summary>Prepares a job whose actors are placed by <paramref name="placement"/> (a cluster's learner node).</summary>
    internal TrainingJob(JobOptions options, TrainingData data, IPolicyFactory factory, RunDirectory run, ILogger logger, JobPlacement placement)
    {
        _placement = placement;
        _options = options;
        _data = data;
        _factory = factory;
        _run = run;
        _outerLogger = logger;
        _checkpoints = new RunCheckpoints(run, options);
        if (!File.Exists(run.Config))
            R2ec.Shared.AtomicFile.WriteAllText(run.Config, JobConfiguration.ToJson(options));
    }

    /// <summary>Called after every step and evaluation, from the job's thread.</summary>
    public Action<JobProgress>? Progress { get; init; }

    /// <summary>Called after every completed step with its stage and step number (1-based), e.g. to interrupt a test run.</summary>
    public Action<JobStage, long>? StepDone { get; init; }

    /// <summary>The run directory.</summary>
    public RunDirectory Run => _run;

    /// <summary>Runs (or resumes) the job until it completes or <paramref name="cancellationToken"/> interrupts it at a step boundary.</summary>
    public async Task<JobResult> RunAsync(CancellationToken cancellationToken = default)
    {
        _clock.Restart();
        using var eventLog = new LoggerConfiguration().MinimumLevel.Debug()
            // On a cluster node the outer logger already gets the membership events from the node's own subscriber.
            .WriteTo.Logger(outer => outer.Filter.ByExcluding(Serilog.Filters.Matching.WithProperty(Cluster.ClusterEventLogger.EventProperty)).WriteTo.Logger(_outerLogger))
            .WriteTo.File(new JsonLinesFormatter(), _run.Events)
            .CreateLogger();
        var log = eventLog.ForContext("Run", Path.GetFileName(_run.Root));

        var resumed = _checkpoints.LoadLatest(out var rejected);
        foreach (var r in rejected)
            log.Warning("Checkpoint passed over on resume: {Reason}", r);
        // Starting from scratch over checkpoints that exist but are all damaged would silently throw the run away.
        if (resumed is null && rejected.Count > 0)
            throw new CheckpointException($"no usable checkpoint in '{_run.Checkpoints}'; refusing to start the run again from scratch: {rejected[0]}");
        if (resumed is not null)
            _checkpoints.CheckFits(resumed);
        var state = resumed is null ? _checkpoints.Initial() : _checkpoints.ReadState(resumed);
        log.Information(resumed is null
                ? "Job starting in {RunDirectory} on {Dataset} with {Model}"
                : "Job resuming in {RunDirectory} on {Dataset} with {Model} from checkpoint {Sequence} (stage {Stage}, step {Step})",
            _run.Root, _data.Name, _factory.Description, resumed?.Sequence, resumed?.Stage, resumed?.Step);

        byte[] tokenizer;
        if (state.Stage == JobStage.Tokenizer && !state.StageCompleted)
        {
            var clock = Stopwatch.StartNew();
            tokenizer = _factory.BuildTokenizer(_data, _options.Stages.TokenizerVocabulary);
            log.Information("Stage {Stage:l} done: {Bytes} bytes in {Seconds:F2} s", "tokenizer", tokenizer.Length, clock.Elapsed.TotalSeconds);
            state = state with { StageCompleted = true };
            _checkpoints.SaveTokenizer(state, tokenizer);
        }
        else
        {
            tokenizer = _checkpoints.Read(resumed!, "tokenizer.bin");
        }

        var store = _placement.Store;
        store.Put(JobContext.TokenizerKind, 0, tokenizer);
        // A new incarnation per invocation: groups still in flight for a killed predecessor are recognised and dropped.
        var job = new JobContext(_options, _data, store, _factory, tokenizer, Guid.NewGuid().ToString("N"), log)
        {
            Metrics = _placement.Metrics ?? new NodeMetrics(),
            OnCluster = _placement.System is not null,
        };
        // A cluster node brings its own actor system (the job's actors join it); otherwise the job starts one of its own.
        await using var actors = _placement.System is null ? await JobActorSystem.StartAsync(_options, log, cancellationToken) : null;
        var refs = actors is not null ? JobActors.Spawn(actors.System, job, _placement) : JobActors.SpawnOnCluster(_placement.System!, job, _placement);

        if (resumed is not null && state.Stage != JobStage.Tokenizer)
        {
            var weights = store.Put(JobContext.WeightsKind, state.PolicyVersion, _checkpoints.Read(resumed, "weights.bin"));
            var optimizer = store.Put(JobContext.OptimizerKind, state.PolicyVersion, _checkpoints.Read(resumed, "optimizer.bin"));
            if (resumed.Files.Any(f => f.Name == "items.bin"))
                store.Put(JobContext.ItemsKind, state.ItemTableVersion, _checkpoints.Read(resumed, "items.bin"));
            // The older versions the steps in flight sample with (Learner:MaxStaleness > 0): they are requested again.
            foreach (var step in state.InFlight ?? [])
            {
                if (step.PolicyVersion != state.PolicyVersion)
                    store.Put(JobContext.WeightsKind, step.PolicyVersion, _checkpoints.Read(resumed, RunCheckpoints.InFlightWeightsFile(step.PolicyVersion)));
                if (step.ItemTableVersion != state.ItemTableVersion)
                    store.Put(JobContext.ItemsKind, step.ItemTableVersion, _checkpoints.Read(resumed, RunCheckpoints.InFlightItemsFile(step.ItemTableVersion)));
            }
            await refs.AskAsync<Snapshot>(refs.Learner, new RestoreRequest { Version = state.PolicyVersion, Weights = weights, Optimizer = optimizer }, LongAsk);
            log.Information("Restored policy version {Version} and item table {ItemTable} from checkpoint", state.PolicyVersion, state.ItemTableVersion);
        }
        else
        {
            await refs.AskAsync<Snapshot>(refs.Learner, new SnapshotRequest(), LongAsk);
        }
        _placement.Loaded?.Invoke();

        var runner = new StageRunner(this, _checkpoints, job, refs, log, cancellationToken);
        state = await runner.RunAsync(state);
        if (cancellationToken.IsCancellationRequested && !(state.Stage == JobStage.RecPO && state.StageCompleted))
        {
            log.Information("Job interrupted at stage {Stage}, step {Step}; resume with r2ec train --resume {RunDirectory}",
                JobStages.Name(state.Stage), state.Step, _run.Root);
            return new JobResult(false, [], _run, state);
        }

        var rows = await FinalEvaluationAsync(job, refs, state, log);
        var throughput = Throughput.Of(runner.RecPOSteps, Environment.ProcessorCount);
        log.Information("RecPO throughput: {TrajectoriesPerSecond:F1} trajectories/s over {Steps} steps, mean step {StepSeconds:F3} s, " +
            "orchestration overhead {Overhead:P1}", throughput.TrajectoriesPerSecond, throughput.Steps,
            throughput.Steps == 0 ? 0 : throughput.StepSeconds / throughput.Steps, throughput.OverheadFraction);
        _run.WriteReport(RunReport.Markdown(_run, _options, _data, _factory.Description, rows, state, throughput, _clock.Elapsed, Examples, SasRec));
        log.Information("Job completed in {Seconds:F1} s; report {Report}", _clock.Elapsed.TotalSeconds, _run.Report);
        return new JobResult(true, rows, _run, state);
    }

    internal void Report(JobProgress progress) => Progress?.Invoke(progress);

    internal void Completed(JobStage stage, long step) => StepDone?.Invoke(stage, step);

    internal void AppendMetrics(string stage, long step, IDictionary<string, object?> values)
    {
        var line = new SortedDictionary<string, object?>(values, StringComparer.Ordinal) { ["stage"] = stage, ["step"] = step };
        _run.AppendMetrics(JsonSerializer.Serialize(line));
    }

    internal void AppendMetrics(string stage, long step, IMessage message)
    {
        var json = JsonFormatter.Default.Format(message);
        _run.AppendMetrics($"{{\"stage\":\"{stage}\",\"step\":{step},\"metrics\":{json}}}");
    }

    internal TimeSpan Elapsed => _clock.Elapsed;

    private async Task<IReadOnlyList<MetricsRow>> FinalEvaluationAsync(JobContext job, JobActors refs, JobState state, ILogger log)
    {
        var test = _data.Dataset.Test;
        var users = _options.Data.EvalUsers == 0 ? test.Count : Math.Min(test.Count, _options.Data.EvalUsers);
        var popularity = PopularityBaseline.Ranks(_data, test.Take(users).ToList());
        var rows = new List<MetricsRow> { MetricsRow.FromRanks(PopularityBaseline.Method, popularity) };
        if (_options.Baselines.SasRec)
            rows.Add(SasRecRow(test.Take(users).ToList(), state, log));
        if (state.WithoutReasoningRanks is { } warm)
            rows.Add(MetricsRow.FromRanks(WithoutReasoning, warm));
        if (state.ReasoningWithoutRecPORanks is { } reasoned)
            rows.Add(MetricsRow.FromRanks(ReasoningWithoutRecPO, reasoned));
        var ranks = await EvaluateAsync(job, refs, state, "test", reasoning: true, (uint)users, Examples);
        rows.Add(MetricsRow.FromRanks(WithRecPO, ranks));
        rows.Add(MetricsRow.FromRanks(RecPOWithoutReasoning, await EvaluateAsync(job, refs, state, "test", reasoning: false, (uint)users)));
        foreach (var row in rows)
            log.Information("Test {Method}: users {Users}, Hit@5/10/20 {Hit}, NDCG@5/10/20 {Ndcg}", row.Method, row.Users, row.Hit, row.Ndcg);
        // SASRec's training cost goes in keys of its own: runs compare their final lines without timings, which are
        // told apart by their names.
        AppendMetrics("final", state.Step, new Dictionary<string, object?>
        {
            ["rows"] = rows, ["examples"] = Examples,
            ["sasrec"] = SasRec is null ? null : new { SasRec.Steps, SasRec.FirstLoss, SasRec.LastLoss },
            ["sasrecCpuSeconds"] = SasRec?.CpuSeconds, ["sasrecWallSeconds"] = SasRec?.WallSeconds,
        });
        return rows;
    }

    // SASRec is trained here rather than in a stage of its own: it is a pure function of (data, options, seed) and takes
    // seconds, so a resumed job retrains it to the same weights bit for bit and nothing of it needs a checkpoint.
    private MetricsRow SasRecRow(IReadOnlyList<R2ec.Data.Datasets.Sample> samples, JobState state, ILogger log)
    {
        var steps = _options.Baselines.SasRecSteps;
        // A line every 50 steps: on a large item table the training runs for minutes and must not look stuck.
        var (model, training) = SasRecBaseline.Train(_data, _options.Baselines, _options.Data.HistoryWindow, state.Seed, (step, loss) =>
        {
            if (step % 50 == 0 && step < steps)
                log.Information("SASRec step {Step}/{Steps}: loss {Loss:F4}", step, steps, loss);
        });
        SasRec = training;
        log.Information("SASRec baseline trained: {Steps} steps, loss {FirstLoss:F4} → {LastLoss:F4}, {CpuSeconds:F1} CPU s, {WallSeconds:F1} s wall",
            training.Steps, training.FirstLoss, training.LastLoss, training.CpuSeconds, training.WallSeconds);
        return MetricsRow.FromRanks(SasRecBaseline.Method, SasRecBaseline.Ranks(model, samples));
    }

    /// <summary>How many evaluated samples the report shows with their reasoning.</summary>
    internal const int ReportExamples = 3;

    internal async Task<int[]> EvaluateAsync(JobContext job, JobActors refs, JobState state, string split, bool reasoning, uint maxUsers,
        List<ReasoningExample>? examples = null)
    {
        var weights = job.Store.Find(JobContext.WeightsKind, state.PolicyVersion)
            ?? (await refs.AskAsync<Snapshot>(refs.Learner, new SnapshotRequest(), LongAsk)).Weights;
        var table = job.Store.Find(JobContext.ItemsKind, state.PolicyVersion)
            ?? (await refs.AskAsync<ItemTablePublished>(refs.ItemTableBuilder, new BuildItemTable { Version = state.PolicyVersion, Weights = weights }, LongAsk)).Blob;
        var result = await refs.AskAsync<EvaluationResult>(refs.Evaluator, new EvaluateRequest
        {
            Split = split, Reasoning = reasoning, Weights = weights, ItemTable = table, MaxUsers = maxUsers,
            WeightsVersion = state.PolicyVersion, ItemTableVersion = state.PolicyVersion,
            MaxNewTokens = (uint)_options.Rollout.MaxNewTokens, Examples = examples is null ? 0u : ReportExamples,
        }, LongAsk);
        examples?.AddRange(result.Examples.Select(e => new ReasoningExample((int)e.Sample, (int)e.Rank, e.Reward, e.Reasoning)));
        return result.Ranks.Select(r => (int)r).ToArray();
    }
}

/// <summary>What a job run produced.</summary>
/// <param name="Completed">False when it was interrupted (resume it with the same run directory).</param>
/// <param name="Rows">The test table: popularity, SASRec (unless <c>Baselines:SasRec</c> is off), without reasoning, reasoning without RecPO, R2ec (RecPO), RecPO weights without reasoning; empty when interrupted.</param>
/// <param name="Run">The run directory.</param>
/// <param name="State">Where the job stands.</param>
public sealed record JobResult(bool Completed, IReadOnlyList<MetricsRow> Rows, RunDirectory Run, JobState State);
