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

    /// <summary>Checks every value against its allowed range.</summary>
    /// <exception cref="ConfigurationException">The first value out of range, by its key.</exception>
    public void Validate()
    {
        Run.Validate();
        Engine.Validate();
        Logging.Validate();
        Rollout.Validate();
        RecPO.Validate();
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

    /// <summary>The thread count after resolving 0 to the core count.</summary>
    [JsonIgnore]
    public int EffectiveThreads => Threads == 0 ? Environment.ProcessorCount : Threads;

    internal void Validate() =>
        JobOptions.Require(Threads is >= 0 and <= 1024, "Engine:Threads", "must be between 0 and 1024", Threads);
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

    internal void Validate()
    {
        JobOptions.Require(Workers >= 1, "Rollout:Workers", "must be at least 1", Workers);
        JobOptions.Require(GroupSize >= 2, "Rollout:GroupSize", "must be at least 2 (advantages are normalised within a group)", GroupSize);
        JobOptions.Require(Temperature > 0 && double.IsFinite(Temperature), "Rollout:Temperature", "must be a positive number", Temperature);
        JobOptions.Require(TopK >= 0, "Rollout:TopK", "must be 0 (off) or positive", TopK);
        JobOptions.Require(TopP is > 0 and <= 1, "Rollout:TopP", "must be in (0, 1]", TopP);
        JobOptions.Require(MaxNewTokens >= 1, "Rollout:MaxNewTokens", "must be at least 1", MaxNewTokens);
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

    internal void Validate()
    {
        JobOptions.Require(Tau > 0 && double.IsFinite(Tau), "RecPO:Tau", "must be a positive number", Tau);
        JobOptions.Require(Beta is >= 0 and <= 1, "RecPO:Beta", "must be in [0, 1]", Beta);
        JobOptions.Require(NdcgCutoff >= 1, "RecPO:NdcgCutoff", "must be at least 1", NdcgCutoff);
        JobOptions.Require(RelabelK >= 0, "RecPO:RelabelK", "must be 0 or positive", RelabelK);
        JobOptions.Require(EpsLow is > 0 and < 1, "RecPO:EpsLow", "must be in (0, 1)", EpsLow);
        JobOptions.Require(EpsHigh > 0 && double.IsFinite(EpsHigh), "RecPO:EpsHigh", "must be a positive number", EpsHigh);
    }
}
