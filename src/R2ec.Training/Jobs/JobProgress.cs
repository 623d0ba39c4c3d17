namespace R2ec.Training.Jobs;

/// <summary>A progress report after each step, for the live display.</summary>
/// <param name="Stage">Current stage.</param>
/// <param name="Step">Steps done in the stage.</param>
/// <param name="Steps">Steps of the stage.</param>
/// <param name="Loss">Warm-up loss, or RecPO token loss + item loss.</param>
/// <param name="Reward">Mean reward (RecPO), else NaN.</param>
/// <param name="TokenLoss">RecPO token loss, else NaN.</param>
/// <param name="ItemLoss">RecPO item loss, else NaN.</param>
/// <param name="TokensPerSecond">Tokens processed (generated in RecPO) per second in the step.</param>
/// <param name="Elapsed">Time since the job (or its resumption) started.</param>
/// <param name="StageEta">Estimated time to the end of the stage.</param>
public sealed record JobProgress(
    JobStage Stage,
    long Step,
    long Steps,
    double Loss,
    double Reward,
    double TokenLoss,
    double ItemLoss,
    double TokensPerSecond,
    TimeSpan Elapsed,
    TimeSpan StageEta);
