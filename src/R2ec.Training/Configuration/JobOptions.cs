using System.ComponentModel;
using System.Text.Json.Serialization;
using R2ec.RecPO;

namespace R2ec.Training.Configuration;

/// <summary>The effective configuration of one job: every section of <c>cluster-config/*.json</c>.</summary>
public sealed class JobOptions
{
    /// <summary>Run identity, seed and output location.</summary>
    public RunOptions Run { get; init; } = new();

    /// <summary>Tensor engine settings.</summary>
    public EngineOptions Engine { get; init; } = new();

    /// <summary>Event log settings.</summary>
    public LoggingOptions Logging { get; init; } = new();

    /// <summary>Rollout sampling settings.</summary>
    public RolloutOptions Rollout { get; init; } = new();

    /// <summary>RecPO reward, advantage and loss settings.</summary>
    public RecPOOptions RecPO { get; init; } = new();

    /// <summary>Which dataset the job trains on.</summary>
    public DataOptions Data { get; init; } = new();

    /// <summary>Shape of the policy trained from scratch.</summary>
    public ModelOptions Model { get; init; } = new();

    /// <summary>Length of each stage of the job.</summary>
    public StageOptions Stages { get; init; } = new();

    /// <summary>Learner settings: batch, PPO epochs, optimizer, schedule, staleness and deadlines.</summary>
    public LearnerOptions Learner { get; init; } = new();

    /// <summary>Evaluation and checkpoint cadence.</summary>
    public ScheduleOptions Schedule { get; init; } = new();

    /// <summary>Fault injection and supervision timing, for tests and drills.</summary>
    public FaultOptions Faults { get; init; } = new();

    /// <summary>Baselines trained beside the policy for the test table (SASRec).</summary>
    public BaselineOptions Baselines { get; init; } = new();

    /// <summary>Multi-process settings of <c>r2ec node</c>: fixed-role nodes, Akka.Cluster membership, data plane.</summary>
    public ClusterOptions Cluster { get; init; } = new();

    /// <summary>Checks every value against its allowed range.</summary>
    /// <exception cref="ConfigurationException">The first value out of range, by its key.</exception>
    public void Validate()
    {
        Run.Validate();
        Engine.Validate();
        Logging.Validate();
        Rollout.Validate();
        RecPO.Validate();
        Data.Validate();
        Model.Validate();
        Stages.Validate();
        Learner.Validate();
        Schedule.Validate();
        Faults.Validate();
        Baselines.Validate();
        Cluster.Validate();
        JobOptions.Require(RecPO.RelabelK <= Rollout.GroupSize, "RecPO:RelabelK", $"must not exceed Rollout:GroupSize ({Rollout.GroupSize})", RecPO.RelabelK);
        // The sampling policy's item probability travels with each trajectory over the whole table (history masked):
        // the item loss's importance weight needs its softmax over the same items.
        JobOptions.Require(Learner.MaxStaleness == 0 || RecPO.ItemNegatives == R2ec.RecPO.ItemNegatives.Table, "RecPO:ItemNegatives",
            $"must be Table when Learner:MaxStaleness > 0 (it is {Learner.MaxStaleness}): the item loss's importance weight compares table softmaxes", RecPO.ItemNegatives);
        // A node's data plane serves the newest BlobKeepVersions of each kind; the steps in flight sample with s + 1 of them.
        JobOptions.Require(Cluster.BlobKeepVersions >= Learner.MaxStaleness + 1, "Cluster:BlobKeepVersions",
            $"must be at least Learner:MaxStaleness + 1 ({Learner.MaxStaleness + 1}): the steps in flight sample with that many weight versions", Cluster.BlobKeepVersions);
    }

    internal static void Require(bool condition, string key, string rule, object? value)
    {
        if (!condition)
            throw new ConfigurationException($"configuration key '{key}' {rule} (got '{value}')");
    }
}

/// <summary>Run identity, seed and output location.</summary>
public sealed class RunOptions
{
    /// <summary>Name of the run; its directory is <c>OutputDirectory/Name</c>.</summary>
    [Description("run name; the run directory is OutputDirectory/Name")]
    public string Name { get; init; } = "default";

    /// <summary>Root seed; every random stream is keyed by (seed, step, user, sample).</summary>
    [Description("root seed of every keyed random stream")]
    public ulong Seed { get; init; } = 42;

    /// <summary>Where run directories are written.</summary>
    [Description("directory that holds run directories")]
    public string OutputDirectory { get; init; } = "runs";

    internal void Validate()
    {
        JobOptions.Require(Name.Length > 0 && Name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0 && Name is not "." and not "..",
            "Run:Name", "must be a plain file name", Name);
        JobOptions.Require(OutputDirectory.Length > 0, "Run:OutputDirectory", "must not be empty", OutputDirectory);
    }
}

/// <summary>Tensor engine settings.</summary>
public sealed class EngineOptions
{
    /// <summary>Worker threads for kernels; 0 means one per core.</summary>
    [Description("kernel threads; 0 = one per core")]
    public int Threads { get; init; }

    /// <summary>Which tensor backend runs the policy: the managed engine (default on CPU) or TorchSharp (GPU nodes).</summary>
    [Description("tensor backend: Managed (default, CPU), Torch (TorchSharp/libtorch, for GPU nodes) or Toy (a toy policy for load tests, not a language model)")]
    public EngineBackend Backend { get; init; } = EngineBackend.Managed;

    /// <summary>Device of the torch backend: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>; the managed engine runs on the CPU only.</summary>
    [Description("device: cpu, cuda or cuda:N (cuda needs Backend Torch and a -p:TorchBackend=cuda build)")]
    public string Device { get; init; } = "cpu";

    /// <summary>Parameter and activation type; bfloat16 only on the torch backend.</summary>
    [Description("float type: Float32, or BFloat16 (Backend Torch only)")]
    public EngineDType DType { get; init; } = EngineDType.Float32;

    /// <summary>
    /// Milliseconds the toy policy (<c>Backend</c> Toy) holds a rollout worker per sampled group, standing for a GPU's
    /// sampling time, so that a load test simulates slow workers without the compute (tests/bench/cluster-scale.py).
    /// </summary>
    [Description("Backend Toy only: milliseconds each sampled group takes (a simulated GPU); 0 = as fast as the toy computes")]
    public int ToySampleMilliseconds { get; init; }

    /// <summary>The thread count after resolving 0 to the core count.</summary>
    [JsonIgnore]
    public int EffectiveThreads => Threads == 0 ? Environment.ProcessorCount : Threads;

    internal void Validate()
    {
        JobOptions.Require(Threads is >= 0 and <= 1024, "Engine:Threads", "must be between 0 and 1024", Threads);
        JobOptions.Require(IsDevice(Device), "Engine:Device", "must be cpu, cuda or cuda:N", Device);
        JobOptions.Require(Backend == EngineBackend.Torch || Device == "cpu", "Engine:Device", "must be cpu on the managed backend (Engine:Backend=Torch runs on cuda)", Device);
        JobOptions.Require(Backend == EngineBackend.Torch || DType == EngineDType.Float32, "Engine:DType", "must be Float32 on the managed backend", DType);
        JobOptions.Require(ToySampleMilliseconds is >= 0 and <= 600_000, "Engine:ToySampleMilliseconds", "must be between 0 and 600000", ToySampleMilliseconds);
        JobOptions.Require(Backend == EngineBackend.Toy || ToySampleMilliseconds == 0, "Engine:ToySampleMilliseconds", "applies to Engine:Backend=Toy only", ToySampleMilliseconds);
    }

    private static bool IsDevice(string device) =>
        device is "cpu" or "cuda"
        || device.StartsWith("cuda:", StringComparison.Ordinal) && device.Length > 5 && device.Length <= 8 && device[5..].All(char.IsAsciiDigit);
}

/// <summary>Tensor backends.</summary>
public enum EngineBackend
{
    /// <summary>R2ec.Tensors: SIMD kernels and autograd in C#, the default on CPU.</summary>
    Managed,
    /// <summary>TorchSharp on libtorch (R2ec.Model.Torch): CUDA and bfloat16 on GPU nodes, or a CPU option.</summary>
    Torch,
    /// <summary>
    /// <see cref="Compute.ToyPolicy"/>: a toy policy (not a language model) for tests and load tests of the
    /// orchestration, e.g. a thousand simulated rollout workers against one coordinator.
    /// </summary>
    Toy,
}

/// <summary>Float types of the parameters and activations.</summary>
public enum EngineDType
{
    /// <summary>IEEE single precision.</summary>
    Float32,
    /// <summary>bfloat16 (torch backend only).</summary>
    BFloat16,
}

/// <summary>Event log format choices.</summary>
public enum LogFormat
{
    /// <summary>Human-readable text on a terminal, JSON lines otherwise.</summary>
    Auto,
    /// <summary>Human-readable text.</summary>
    Text,
    /// <summary>One JSON object per line.</summary>
    Json,
}

/// <summary>Event log settings.</summary>
public sealed class LoggingOptions
{
    /// <summary>Console format.</summary>
    [Description("console format: Auto, Text or Json")]
    public LogFormat Format { get; init; } = LogFormat.Auto;

    /// <summary>Optional path of a JSON-lines log file, rolled daily.</summary>
    [Description("optional JSON-lines log file, rolled daily")]
    public string? File { get; init; }

    /// <summary>Minimum level written: Verbose, Debug, Information, Warning, Error, Fatal.</summary>
    [Description("minimum level: Verbose, Debug, Information, Warning, Error or Fatal")]
    public string MinimumLevel { get; init; } = "Information";

    private static readonly string[] Levels = ["Verbose", "Debug", "Information", "Warning", "Error", "Fatal"];

    internal void Validate() =>
        JobOptions.Require(Levels.Contains(MinimumLevel, StringComparer.OrdinalIgnoreCase),
            "Logging:MinimumLevel", "must be one of " + string.Join(", ", Levels), MinimumLevel);
}

/// <summary>Rollout sampling settings (paper defaults in the descriptions).</summary>
public sealed class RolloutOptions
{
    /// <summary>Number of rollout-worker actors.</summary>
    [Description("rollout-worker actors")]
    public int Workers { get; init; } = 4;

    /// <summary>Trajectories sampled per user (G).</summary>
    [Description("trajectories per user, G (paper: 4)")]
    public int GroupSize { get; init; } = 4;

    /// <summary>Sampling temperature.</summary>
    [Description("sampling temperature (paper: 2.0)")]
    public double Temperature { get; init; } = 1.0;

    /// <summary>Top-k cut of the sampling distribution; 0 disables it.</summary>
    [Description("top-k, 0 = off (paper: 50-200)")]
    public int TopK { get; init; } = 50;

    /// <summary>Nucleus (top-p) cut of the sampling distribution; 1 disables it.</summary>
    [Description("top-p, 1 = off (paper: 1)")]
    public double TopP { get; init; } = 1.0;

    /// <summary>Maximum reasoning tokens before <c>&lt;answer&gt;</c> is forced.</summary>
    [Description("max reasoning tokens (paper: 640)")]
    public int MaxNewTokens { get; init; } = 32;

    /// <summary>Policy versions between item-table refreshes.</summary>
    [Description("policy versions between item-table refreshes")]
    public int ItemTableRefresh { get; init; } = 1;

    internal void Validate()
    {
        JobOptions.Require(Workers >= 1, "Rollout:Workers", "must be at least 1", Workers);
        JobOptions.Require(GroupSize >= 2, "Rollout:GroupSize", "must be at least 2 (advantages are normalised within a group)", GroupSize);
        JobOptions.Require(Temperature > 0 && double.IsFinite(Temperature), "Rollout:Temperature", "must be a positive number", Temperature);
        JobOptions.Require(TopK >= 0, "Rollout:TopK", "must be 0 (off) or positive", TopK);
        JobOptions.Require(TopP is > 0 and <= 1, "Rollout:TopP", "must be in (0, 1]", TopP);
        JobOptions.Require(MaxNewTokens >= 1, "Rollout:MaxNewTokens", "must be at least 1", MaxNewTokens);
        JobOptions.Require(ItemTableRefresh >= 1, "Rollout:ItemTableRefresh", "must be at least 1", ItemTableRefresh);
    }
}

/// <summary>RecPO reward, advantage and loss settings (paper defaults in the descriptions).</summary>
public sealed class RecPOOptions
{
    /// <summary>Temperature of the cosine scores.</summary>
    [Description("cosine temperature tau (paper: 0.02)")]
    public double Tau { get; init; } = 0.02;

    /// <summary>Weight of the softmax-probability reward against the ranking reward.</summary>
    [Description("reward mix beta (paper: 0.05)")]
    public double Beta { get; init; } = 0.05;

    /// <summary>Rank cut-off of the ranking reward.</summary>
    [Description("NDCG reward cut-off K (paper: 1000)")]
    public int NdcgCutoff { get; init; } = 1000;

    /// <summary>Advantage estimator.</summary>
    [Description("Gaussian or LeaveOneOut (paper: Gaussian)")]
    public AdvantageKind Advantage { get; init; } = AdvantageKind.Gaussian;

    /// <summary>Top trajectories per group that get the item loss.</summary>
    [Description("relabel top-k per group (paper: 1-2)")]
    public int RelabelK { get; init; } = 1;

    /// <summary>Lower PPO clip range.</summary>
    [Description("PPO clip epsilon low (paper: 0.2)")]
    public double EpsLow { get; init; } = 0.2;

    /// <summary>Upper PPO clip range.</summary>
    [Description("PPO clip epsilon high (paper: 0.28)")]
    public double EpsHigh { get; init; } = 0.28;

    /// <summary>Weight of the token (reasoning) PPO loss in the total.</summary>
    [Description("weight of the token loss in the total (paper: 1)")]
    public double TokenLossWeight { get; init; } = 1.0;

    /// <summary>Weight of the item (recommendation) PPO loss in the total.</summary>
    [Description("weight of the item loss in the total (paper: 1)")]
    public double ItemLossWeight { get; init; } = 1.0;

    /// <summary>
    /// Which items the item loss's softmax runs over. <see cref="ItemNegatives.Table"/> by default: the in-batch softmax
    /// over a mini-batch's 2-4 distinct targets lowered the full-table training reward against a no-learning control
    /// (seed 1: −0.014 ± 0.007 over RecPO steps 21–40), the table softmax raised it (+0.023 ± 0.009); README, issue 19.
    /// </summary>
    [Description("item-loss negatives: Table (every item, as the reward) or InBatch (the mini-batch's targets, paper)")]
    public ItemNegatives ItemNegatives { get; init; } = ItemNegatives.Table;

    internal void Validate()
    {
        JobOptions.Require(Tau > 0 && double.IsFinite(Tau), "RecPO:Tau", "must be a positive number", Tau);
        JobOptions.Require(Beta is >= 0 and <= 1, "RecPO:Beta", "must be in [0, 1]", Beta);
        JobOptions.Require(NdcgCutoff >= 1, "RecPO:NdcgCutoff", "must be at least 1", NdcgCutoff);
        JobOptions.Require(RelabelK >= 0, "RecPO:RelabelK", "must be 0 or positive", RelabelK);
        JobOptions.Require(EpsLow is > 0 and < 1, "RecPO:EpsLow", "must be in (0, 1)", EpsLow);
        JobOptions.Require(EpsHigh > 0 && double.IsFinite(EpsHigh), "RecPO:EpsHigh", "must be a positive number", EpsHigh);
        JobOptions.Require(TokenLossWeight >= 0 && double.IsFinite(TokenLossWeight), "RecPO:TokenLossWeight", "must be 0 or a positive number", TokenLossWeight);
        JobOptions.Require(ItemLossWeight >= 0 && double.IsFinite(ItemLossWeight), "RecPO:ItemLossWeight", "must be 0 or a positive number", ItemLossWeight);
        JobOptions.Require(Enum.IsDefined(ItemNegatives), "RecPO:ItemNegatives", "must be InBatch or Table", ItemNegatives);
    }
}

/// <summary>Which dataset the job trains on.</summary>
public sealed class DataOptions
{
    /// <summary>A prepared dataset folder (<c>r2ec data prepare</c>); empty means the synthetic dataset.</summary>
    [Description("prepared dataset folder; empty = synthetic")]
    public string? Dataset { get; init; }

    /// <summary>Seed of the synthetic dataset.</summary>
    [Description("seed of the synthetic dataset")]
    public ulong SyntheticSeed { get; init; } = 42;

    /// <summary>Users of the synthetic dataset.</summary>
    [Description("users of the synthetic dataset")]
    public int SyntheticUsers { get; init; } = 200;

    /// <summary>Items of the synthetic dataset.</summary>
    [Description("items of the synthetic dataset")]
    public int SyntheticItems { get; init; } = 300;

    /// <summary>History items in a prompt.</summary>
    [Description("history window (paper: 20)")]
    public int HistoryWindow { get; init; } = 10;

    /// <summary>Test users evaluated; 0 means all.</summary>
    [Description("test users evaluated, 0 = all")]
    public int EvalUsers { get; init; }

    internal void Validate()
    {
        JobOptions.Require(SyntheticUsers >= 1, "Data:SyntheticUsers", "must be at least 1", SyntheticUsers);
        JobOptions.Require(SyntheticItems >= 2, "Data:SyntheticItems", "must be at least 2", SyntheticItems);
        JobOptions.Require(HistoryWindow >= 1, "Data:HistoryWindow", "must be at least 1", HistoryWindow);
        JobOptions.Require(EvalUsers >= 0, "Data:EvalUsers", "must be 0 (all) or positive", EvalUsers);
    }
}

/// <summary>Length of each stage of the job (DESIGN.md §7); a stage of 0 steps is skipped.</summary>
public sealed class StageOptions
{
    /// <summary>Vocabulary size of the tokenizer trained in the first stage.</summary>
    [Description("tokenizer vocabulary size")]
    public int TokenizerVocabulary { get; init; } = 1024;

    /// <summary>Next-token prediction steps.</summary>
    [Description("LM warm-up steps")]
    public int LmWarmupSteps { get; init; } = 100;

    /// <summary>
    /// Reasoning cold-start steps (DESIGN.md §7, stage 3), 0 = off: teacher-forced LM loss on a rationale built from the
    /// history alone (<see cref="R2ec.Data.Prompts.RationaleBuilder"/>). When on, the recommendation warm-up also trains
    /// the head after "prompt rationale &lt;answer&gt;" beside "prompt &lt;answer&gt;" and keeps the rationale's LM loss.
    /// </summary>
    [Description("reasoning cold-start steps (0 = off)")]
    public int ReasoningColdStartSteps { get; init; }

    /// <summary>In-batch contrastive steps without reasoning (the "w/o reasoning" baseline).</summary>
    [Description("recommendation warm-up steps")]
    public int RecWarmupSteps { get; init; } = 400;

    /// <summary>Samples per warm-up step.</summary>
    [Description("samples per warm-up step")]
    public int WarmupBatchSize { get; init; } = 16;

    /// <summary>RecPO steps.</summary>
    [Description("RecPO steps")]
    public int RecPOSteps { get; init; } = 40;

    internal void Validate()
    {
        JobOptions.Require(TokenizerVocabulary >= 300, "Stages:TokenizerVocabulary", "must be at least 300 (256 bytes plus specials and merges)", TokenizerVocabulary);
        JobOptions.Require(LmWarmupSteps >= 0, "Stages:LmWarmupSteps", "must be 0 or positive", LmWarmupSteps);
        JobOptions.Require(RecWarmupSteps >= 0, "Stages:RecWarmupSteps", "must be 0 or positive", RecWarmupSteps);
        JobOptions.Require(ReasoningColdStartSteps >= 0, "Stages:ReasoningColdStartSteps", "must be 0 (off) or positive", ReasoningColdStartSteps);
        JobOptions.Require(WarmupBatchSize >= 2, "Stages:WarmupBatchSize", "must be at least 2 (the contrastive loss needs in-batch negatives)", WarmupBatchSize);
        JobOptions.Require(RecPOSteps >= 0, "Stages:RecPOSteps", "must be 0 or positive", RecPOSteps);
    }
}

/// <summary>Learning-rate schedules.</summary>
public enum LearningRateSchedule
{
    /// <summary>The same rate at every optimizer step (after warm-up).</summary>
    Constant,
    /// <summary>Linear decay to zero.</summary>
    Linear,
    /// <summary>Cosine decay to zero.</summary>
    Cosine,
}

/// <summary>Learner settings (paper defaults in the descriptions).</summary>
public sealed class LearnerOptions
{
    /// <summary>Users (groups) per RecPO step, B.</summary>
    [Description("users per RecPO step, B")]
    public int UsersPerStep { get; init; } = 8;

    /// <summary>PPO epochs over each step's batch, μ.</summary>
    [Description("PPO epochs per step, mu")]
    public int PpoEpochs { get; init; } = 1;

    /// <summary>Trajectories per mini-batch.</summary>
    [Description("trajectories per mini-batch")]
    public int MiniBatchSize { get; init; } = 16;

    /// <summary>When the optimizer steps within a RecPO step.</summary>
    [Description("MiniBatch, Epoch or Step (paper: MiniBatch, by accident)")]
    public OptimizerStepPer OptimizerStepPer { get; init; } = OptimizerStepPer.MiniBatch;

    /// <summary>Peak learning rate of the RecPO stage.</summary>
    [Description("RecPO learning rate (paper: 1e-5, pretrained 1.5B model)")]
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>
    /// Peak learning rate of the LM warm-up (next-token prediction). Its loss falls much faster at 3e-3, but the
    /// recommendation warm-up then starts from hidden states it can no longer move away from (its loss stays at chance
    /// at 2e-4, 5e-4 and 1e-3 after 300 LM steps at 3e-3), so the default trades LM loss for recommendation.
    /// </summary>
    [Description("LM warm-up learning rate")]
    public double LmWarmupLearningRate { get; init; } = 5e-4;

    /// <summary>
    /// Peak learning rate of the recommendation warm-up. Kept well below the LM warm-up's: at 3e-3 the in-batch
    /// contrastive loss stays at chance and the item embeddings collapse onto one direction (mean pairwise cosine 0.995).
    /// </summary>
    [Description("recommendation warm-up learning rate (3e-3 collapses the item embeddings)")]
    public double RecWarmupLearningRate { get; init; } = 5e-4;

    /// <summary>Shape of the learning-rate schedule within a stage.</summary>
    [Description("Constant, Linear or Cosine")]
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Cosine;

    /// <summary>Optimizer steps of linear ramp-up at the start of a stage.</summary>
    [Description("learning-rate ramp-up steps")]
    public int RampUpSteps { get; init; } = 5;

    /// <summary>AdamW weight decay.</summary>
    [Description("AdamW weight decay")]
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Gradient clipping by global norm; 0 disables it.</summary>
    [Description("global gradient-norm clip, 0 = off")]
    public double GradClip { get; init; } = 1.0;

    /// <summary>
    /// The fixed policy-version lag s of the pipelined mode (DESIGN.md §2): step t trains on groups sampled with the
    /// policy of step t − s exactly, so the requests of step t + s go out while step t learns; 0 is the synchronous
    /// loop. Lagged groups are corrected with truncated importance weights capped at <see cref="ImportanceCap"/>.
    /// </summary>
    [Description("fixed policy-version lag s of the sampled groups, 0 = synchronous")]
    public int MaxStaleness { get; init; }

    /// <summary>Cap c of the truncated importance weights <c>min(π_prox / π_behaviour, c)</c> when <see cref="MaxStaleness"/> &gt; 0.</summary>
    [Description("cap c of the truncated importance weights of lagged groups")]
    public double ImportanceCap { get; init; } = 2.0;

    /// <summary>Seconds the coordinator waits for a step's groups before re-requesting the missing ones.</summary>
    [Description("seconds before missing groups are re-requested")]
    public double StepDeadlineSeconds { get; init; } = 60;

    /// <summary>Requests of one (step, user) before the step fails.</summary>
    [Description("attempts per (step, user) before the step fails")]
    public int MaxRequestAttempts { get; init; } = 3;

    /// <summary>The largest lag accepted: each step in flight holds its groups and every replica s + 1 weight versions.</summary>
    public const int MaxStalenessLimit = 8;

    internal void Validate()
    {
        JobOptions.Require(UsersPerStep >= 1, "Learner:UsersPerStep", "must be at least 1", UsersPerStep);
        JobOptions.Require(PpoEpochs >= 1, "Learner:PpoEpochs", "must be at least 1", PpoEpochs);
        JobOptions.Require(MiniBatchSize >= 2, "Learner:MiniBatchSize", "must be at least 2 (the item loss is an in-batch softmax)", MiniBatchSize);
        JobOptions.Require(LearningRate > 0 && double.IsFinite(LearningRate), "Learner:LearningRate", "must be a positive number", LearningRate);
        JobOptions.Require(LmWarmupLearningRate > 0 && double.IsFinite(LmWarmupLearningRate), "Learner:LmWarmupLearningRate", "must be a positive number", LmWarmupLearningRate);
        JobOptions.Require(RecWarmupLearningRate > 0 && double.IsFinite(RecWarmupLearningRate), "Learner:RecWarmupLearningRate", "must be a positive number", RecWarmupLearningRate);
        JobOptions.Require(RampUpSteps >= 0, "Learner:RampUpSteps", "must be 0 or positive", RampUpSteps);
        JobOptions.Require(WeightDecay is >= 0 and < 1, "Learner:WeightDecay", "must be in [0, 1)", WeightDecay);
        JobOptions.Require(GradClip >= 0 && double.IsFinite(GradClip), "Learner:GradClip", "must be 0 (off) or positive", GradClip);
        JobOptions.Require(MaxStaleness is >= 0 and <= MaxStalenessLimit, "Learner:MaxStaleness",
            $"must be in [0, {MaxStalenessLimit}] (every rollout replica keeps s + 1 weight versions)", MaxStaleness);
        JobOptions.Require(ImportanceCap >= 1 && double.IsFinite(ImportanceCap), "Learner:ImportanceCap", "must be a finite number ≥ 1", ImportanceCap);
        JobOptions.Require(StepDeadlineSeconds > 0 && double.IsFinite(StepDeadlineSeconds), "Learner:StepDeadlineSeconds", "must be a positive number", StepDeadlineSeconds);
        JobOptions.Require(MaxRequestAttempts >= 1, "Learner:MaxRequestAttempts", "must be at least 1", MaxRequestAttempts);
    }
}

/// <summary>Evaluation and checkpoint cadence.</summary>
public sealed class ScheduleOptions
{
    /// <summary>RecPO steps between validation evaluations; 0 evaluates only at the end.</summary>
    [Description("RecPO steps between validation evaluations, 0 = only at the end")]
    public int EvalInterval { get; init; } = 10;

    /// <summary>Validation users per periodic evaluation; 0 means all.</summary>
    [Description("validation users per periodic evaluation, 0 = all")]
    public int EvalValidUsers { get; init; } = 64;

    /// <summary>Steps between checkpoints within a stage; a checkpoint is also written at the end of every stage.</summary>
    [Description("steps between checkpoints (also at the end of every stage)")]
    public int CheckpointInterval { get; init; } = 10;

    /// <summary>Newest checkpoints kept.</summary>
    [Description("newest checkpoints kept")]
    public int CheckpointKeep { get; init; } = 3;

    internal void Validate()
    {
        JobOptions.Require(EvalInterval >= 0, "Schedule:EvalInterval", "must be 0 or positive", EvalInterval);
        JobOptions.Require(EvalValidUsers >= 0, "Schedule:EvalValidUsers", "must be 0 (all) or positive", EvalValidUsers);
        JobOptions.Require(CheckpointInterval >= 1, "Schedule:CheckpointInterval", "must be at least 1", CheckpointInterval);
        JobOptions.Require(CheckpointKeep >= 1, "Schedule:CheckpointKeep", "must be at least 1", CheckpointKeep);
    }
}

/// <summary>Fault injection and supervision timing.</summary>
public sealed class FaultOptions
{
    /// <summary>RecPO step at which one rollout worker throws on its first request (0-based); -1 disables it.</summary>
    [Description("RecPO step whose first rollout request throws, -1 = off")]
    public int RolloutFailStep { get; init; } = -1;

    /// <summary>
    /// RecPO step (0-based) whose first sample every rollout worker drops on every attempt, so that the step cannot
    /// complete and the job fails naming it; -1 disables it.
    /// </summary>
    [Description("RecPO step whose first sample every worker drops (the job must fail), -1 = off")]
    public int RolloutDropStep { get; init; } = -1;

    /// <summary>
    /// RecPO step (0-based) at whose start the coordinator throws, so that a drill sees the step's owner fail and the
    /// job fail with it (in one process and on a cluster, where the coordinator is a singleton); -1 disables it.
    /// </summary>
    [Description("RecPO step at whose start the coordinator throws (the job must fail), -1 = off")]
    public int CoordinatorFailStep { get; init; } = -1;

    /// <summary>Delay before a failed actor's first restart, in seconds (doubling to ten times as much).</summary>
    [Description("first restart backoff in seconds (DESIGN.md §5: 3)")]
    public double RestartBackoffSeconds { get; init; } = 3;

    internal void Validate()
    {
        JobOptions.Require(RolloutFailStep >= -1, "Faults:RolloutFailStep", "must be -1 (off) or a step number", RolloutFailStep);
        JobOptions.Require(RolloutDropStep >= -1, "Faults:RolloutDropStep", "must be -1 (off) or a step number", RolloutDropStep);
        JobOptions.Require(CoordinatorFailStep >= -1, "Faults:CoordinatorFailStep", "must be -1 (off) or a step number", CoordinatorFailStep);
        JobOptions.Require(RestartBackoffSeconds >= 0 && double.IsFinite(RestartBackoffSeconds), "Faults:RestartBackoffSeconds", "must be 0 or positive", RestartBackoffSeconds);
    }
}

/// <summary>Shape of the Qwen2-style policy the job trains from scratch (DESIGN.md §7).</summary>
public sealed class ModelOptions
{
    /// <summary>Hidden size d (also the embedding size of users and items).</summary>
    [Description("hidden size (Qwen2.5-1.5B: 1536)")]
    public int HiddenSize { get; init; } = 64;

    /// <summary>Transformer layers.</summary>
    [Description("layers (Qwen2.5-1.5B: 28)")]
    public int Layers { get; init; } = 2;

    /// <summary>Attention heads.</summary>
    [Description("attention heads (Qwen2.5-1.5B: 12)")]
    public int Heads { get; init; } = 4;

    /// <summary>Key/value heads (grouped-query attention).</summary>
    [Description("key/value heads (Qwen2.5-1.5B: 2)")]
    public int KeyValueHeads { get; init; } = 2;

    /// <summary>Feed-forward size.</summary>
    [Description("feed-forward size (Qwen2.5-1.5B: 8960)")]
    public int IntermediateSize { get; init; } = 128;

    /// <summary>Longest sequence (prompt and completion).</summary>
    [Description("max positions")]
    public int MaxPositions { get; init; } = 1024;

    internal void Validate()
    {
        JobOptions.Require(HiddenSize >= 8, "Model:HiddenSize", "must be at least 8", HiddenSize);
        JobOptions.Require(Layers >= 1, "Model:Layers", "must be at least 1", Layers);
        JobOptions.Require(Heads >= 1 && HiddenSize % Heads == 0 && HiddenSize / Heads % 2 == 0, "Model:Heads",
            "must divide Model:HiddenSize into an even head size", Heads);
        JobOptions.Require(KeyValueHeads >= 1 && Heads % KeyValueHeads == 0, "Model:KeyValueHeads", "must divide Model:Heads", KeyValueHeads);
        JobOptions.Require(IntermediateSize >= 1, "Model:IntermediateSize", "must be at least 1", IntermediateSize);
        JobOptions.Require(MaxPositions >= 16, "Model:MaxPositions", "must be at least 16", MaxPositions);
    }
}

/// <summary>
/// The SASRec baseline (Kang and McAuley, 2018): an ID-based sequential transformer trained on the train split's
/// sequences on the managed engine, evaluated on the same test users as the other rows. Defaults follow the paper
/// (2 blocks, 1 head, Adam at 1e-3, batch 128, dropout 0.5 as for its sparse datasets) at our hidden size; the steps
/// were chosen on the embedded default's valid split (NDCG@10 0.081 at 200 steps, 0.072 at 300 and 400, 0.066 at 600;
/// dropout 0.2 overfits: 0.054 at 100 steps).
/// </summary>
public sealed class BaselineOptions
{
    /// <summary>Whether the job trains SASRec and adds its row to the test table.</summary>
    [Description("train the SASRec baseline and add its row to the test table")]
    public bool SasRec { get; init; } = true;

    /// <summary>Adam steps of SASRec's training.</summary>
    [Description("SASRec training steps (Adam)")]
    public int SasRecSteps { get; init; } = 200;

    /// <summary>Train sequences per SASRec step.</summary>
    [Description("SASRec sequences per step (paper: 128)")]
    public int SasRecBatchSize { get; init; } = 128;

    /// <summary>SASRec's constant Adam learning rate.</summary>
    [Description("SASRec learning rate (paper: 1e-3)")]
    public double SasRecLearningRate { get; init; } = 1e-3;

    /// <summary>SASRec's hidden (and item-embedding) size.</summary>
    [Description("SASRec hidden size (paper: 50)")]
    public int SasRecHiddenSize { get; init; } = 64;

    /// <summary>SASRec's self-attention blocks.</summary>
    [Description("SASRec self-attention blocks (paper: 2)")]
    public int SasRecBlocks { get; init; } = 2;

    /// <summary>SASRec's attention heads.</summary>
    [Description("SASRec attention heads (paper: 1)")]
    public int SasRecHeads { get; init; } = 1;

    /// <summary>SASRec's dropout rate while training.</summary>
    [Description("SASRec dropout rate (paper: 0.2 dense, 0.5 sparse data)")]
    public double SasRecDropout { get; init; } = 0.5;

    internal void Validate()
    {
        JobOptions.Require(SasRecSteps >= 1, "Baselines:SasRecSteps", "must be at least 1", SasRecSteps);
        JobOptions.Require(SasRecBatchSize >= 1, "Baselines:SasRecBatchSize", "must be at least 1", SasRecBatchSize);
        JobOptions.Require(SasRecLearningRate > 0 && double.IsFinite(SasRecLearningRate), "Baselines:SasRecLearningRate", "must be a positive number", SasRecLearningRate);
        JobOptions.Require(SasRecHeads >= 1, "Baselines:SasRecHeads", "must be at least 1", SasRecHeads);
        JobOptions.Require(SasRecHiddenSize >= 2 && SasRecHiddenSize % SasRecHeads == 0 && SasRecHiddenSize / SasRecHeads % 2 == 0,
            "Baselines:SasRecHiddenSize", "must be divided by Baselines:SasRecHeads into an even head size", SasRecHiddenSize);
        JobOptions.Require(SasRecBlocks >= 1, "Baselines:SasRecBlocks", "must be at least 1", SasRecBlocks);
        JobOptions.Require(SasRecDropout is >= 0 and < 1, "Baselines:SasRecDropout", "must be in [0, 1)", SasRecDropout);
    }
}
