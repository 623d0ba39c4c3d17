using R2ec.TestSupport;

namespace R2ec.Cluster.Tests.Processes;

/// <summary>
/// The tiny job every process test trains (a synthetic dataset, a one-layer model, a few steps of each stage), and its
/// in-process reference: <c>r2ec train</c> with the same seed and settings, run once for every test that compares with it.
/// </summary>
internal static class TinyJob
{
    public const int RecPOSteps = 8;
    public const int UsersPerStep = 4;
    public const int CheckpointInterval = 2;

    /// <summary>The pipelined mode at lag 1 (<c>Learner:MaxStaleness=1</c>).</summary>
    public static readonly (string Key, string Value)[] Pipelined = [("Learner:MaxStaleness", "1")];

    private static readonly Lazy<Task<RunRecord>> ReferenceRun = new(() => RunReferenceAsync());
    private static readonly Lazy<Task<RunRecord>> PipelinedReferenceRun = new(() => RunReferenceAsync(Pipelined));

    /// <summary>The run of <c>r2ec train</c> (every actor in one process, 2 rollout workers as the 2 rollout nodes).</summary>
    public static Task<RunRecord> Reference => ReferenceRun.Value;

    /// <summary>The reference run with <see cref="Pipelined"/> settings.</summary>
    public static Task<RunRecord> PipelinedReference => PipelinedReferenceRun.Value;

    public static IEnumerable<string> Settings(string outputDirectory) => Set(
        ("Data:SyntheticUsers", "30"), ("Data:SyntheticItems", "40"), ("Data:HistoryWindow", "5"), ("Data:EvalUsers", "10"),
        ("Stages:LmWarmupSteps", "3"), ("Stages:ReasoningColdStartSteps", "0"), ("Stages:RecWarmupSteps", "3"), ("Stages:WarmupBatchSize", "4"),
        ("Stages:RecPOSteps", RecPOSteps.ToString()), ("Stages:TokenizerVocabulary", "300"),
        ("Learner:UsersPerStep", UsersPerStep.ToString()), ("Learner:MiniBatchSize", "8"), ("Learner:RampUpSteps", "1"),
        // Long enough answers that a worker killed on taking a request dies while it samples.
        ("Rollout:GroupSize", "4"), ("Rollout:MaxNewTokens", "16"), ("Rollout:Workers", "1"),
        ("Schedule:CheckpointInterval", CheckpointInterval.ToString()), ("Schedule:EvalInterval", "0"),
        ("Model:HiddenSize", "16"), ("Model:Layers", "1"), ("Model:Heads", "2"), ("Model:KeyValueHeads", "1"),
        ("Model:IntermediateSize", "32"), ("Model:MaxPositions", "1024"), ("Engine:Threads", "1"),
        ("Learner:StepDeadlineSeconds", "20"), ("Run:OutputDirectory", outputDirectory), ("Logging:Format", "Json"),
        ("Baselines:SasRecSteps", "10"), ("Baselines:SasRecBatchSize", "8"));

    public static IEnumerable<string> Set(params (string Key, string Value)[] settings) =>
        settings.SelectMany(s => new[] { "--set", $"{s.Key}={s.Value}" });

    private static async Task<RunRecord> RunReferenceAsync(params (string Key, string Value)[] extra)
    {
        var directory = Directory.CreateTempSubdirectory("r2ec-reference-").FullName;
        var runs = Path.Combine(directory, "runs");
        using var train = NodeProcess.Start("train",
            ["train", "--config", Path.Combine(RepoPaths.Root, "cluster-config", "cluster.json"), .. Settings(runs), .. Set(("Rollout:Workers", "2")), .. Set(extra)],
            ClusterRun.Environment);
        var code = await train.WaitForExitAsync(TimeSpan.FromSeconds(180));
        if (code != 0)
            throw new InvalidOperationException($"the reference run r2ec train failed with exit code {code}:\n{train.Tail(60)}");
        // r2ec train makes the run's directory name unique; it is the only one.
        var run = RunRecord.Read(Directory.GetDirectories(runs).Single(), train.Stdout);
        Directory.Delete(directory, recursive: true);
        return run;
    }
}
