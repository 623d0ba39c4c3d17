using System.Collections;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;
using R2ec.Training.Jobs;
using Serilog;

namespace R2ec.Training.Tests.Support;

/// <summary>A tiny job configuration on a tiny synthetic dataset, run with the toy policy in a temporary directory.</summary>
internal static class TinyJob
{
    public static JobOptions Options(params string[] sets) => JobConfiguration.Load(null,
    [
        "Data:SyntheticUsers=30", "Data:SyntheticItems=40", "Data:HistoryWindow=5",
        "Stages:LmWarmupSteps=3", "Stages:ReasoningColdStartSteps=0", "Stages:RecWarmupSteps=3", "Stages:WarmupBatchSize=4", "Stages:RecPOSteps=5",
        "Learner:UsersPerStep=4", "Learner:MiniBatchSize=6", "Learner:PpoEpochs=2", "Learner:RampUpSteps=1",
        "Rollout:GroupSize=4", "Rollout:MaxNewTokens=4", "Rollout:Workers=2",
        "Schedule:CheckpointInterval=2", "Schedule:EvalInterval=2", "Schedule:EvalValidUsers=8",
        "Faults:RestartBackoffSeconds=0.01", "Learner:StepDeadlineSeconds=5",
        "Baselines:SasRecSteps=20", "Baselines:SasRecBatchSize=16",
        .. sets,
    ], new Hashtable());

    public static TrainingData Data(JobOptions o) =>
        TrainingData.Synthetic(o.Data.SyntheticSeed, o.Data.SyntheticUsers, o.Data.SyntheticItems, o.Data.HistoryWindow);

    public static TrainingJob Create(JobOptions options, string runDirectory, Action<JobStage, long>? stepDone = null) =>
        new(options, Data(options), new ToyPolicyFactory(), new RunDirectory(runDirectory), Log.Logger) { StepDone = stepDone };
}
