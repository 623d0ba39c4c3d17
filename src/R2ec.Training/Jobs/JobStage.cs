namespace R2ec.Training.Jobs;

/// <summary>The stages of one job (DESIGN.md §7), in order; each is resumable and checkpointed at its end.</summary>
public enum JobStage
{
    /// <summary>Byte-level BPE tokenizer on the dataset's text.</summary>
    Tokenizer,

    /// <summary>Next-token prediction on user and item prompts.</summary>
    LmWarmup,

    /// <summary>Recommendation without reasoning (in-batch contrastive): also the "w/o reasoning" baseline.</summary>
    RecWarmup,

    /// <summary>RecPO on the actors.</summary>
    RecPO,

    /// <summary>
    /// Reasoning cold start: teacher-forced LM loss on a rationale built from the history alone. It runs between
    /// <see cref="LmWarmup"/> and <see cref="RecWarmup"/> (see <see cref="JobStages.Next"/>) but is numbered last, so the
    /// other stages keep the numbers their sample orders are keyed by and older checkpoints keep reading.
    /// </summary>
    ReasoningColdStart,
}

/// <summary>Names of stages in checkpoints, logs and metrics.</summary>
public static class JobStages
{
    /// <summary>The stage's name (no '-', as checkpoint directory names need).</summary>
    public static string Name(JobStage stage) => stage switch
    {
        JobStage.Tokenizer => "tokenizer",
        JobStage.LmWarmup => "lmwarmup",
        JobStage.RecWarmup => "recwarmup",
        JobStage.RecPO => "recpo",
        JobStage.ReasoningColdStart => "coldstart",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "unknown stage"),
    };

    /// <summary>The stage that runs after <paramref name="stage"/> (RecPO is the last).</summary>
    public static JobStage Next(JobStage stage) => stage switch
    {
        JobStage.Tokenizer => JobStage.LmWarmup,
        JobStage.LmWarmup => JobStage.ReasoningColdStart,
        JobStage.ReasoningColdStart => JobStage.RecWarmup,
        JobStage.RecWarmup => JobStage.RecPO,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "no stage follows"),
    };
}
