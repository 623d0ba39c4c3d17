using System.Collections;
using R2ec.Training;
using R2ec.Training.Configuration;
using R2ec.Training.Evaluation;
using R2ec.Training.Jobs;
using R2ec.Training.Torch;
using Serilog;

namespace R2ec.Model.Torch.Tests;

/// <summary>
/// The job's determinism guarantees on the torch backend: the same seed gives the same metrics, bit for bit, with one
/// or four rollout workers, and a run interrupted in RecPO and resumed from its checkpoint (torch's optimizer blob) ends
/// where the uninterrupted one does.
/// </summary>
public sealed class TorchJobTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("r2ec-torch-job-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static Task<JobResult> Run(string dir, string workers, CancellationTokenSource? stop = null, Action<JobStage, long>? stepDone = null)
    {
        var options = JobConfiguration.Load(null,
        [
            "Engine:Backend=Torch", "Engine:Threads=2", "Rollout:Workers=" + workers,
            "Data:SyntheticUsers=24", "Data:SyntheticItems=30", "Data:HistoryWindow=3", "Data:EvalUsers=8",
            "Model:HiddenSize=16", "Model:Layers=1", "Model:Heads=2", "Model:KeyValueHeads=1", "Model:IntermediateSize=32",
            "Stages:TokenizerVocabulary=300", "Stages:LmWarmupSteps=2", "Stages:ReasoningColdStartSteps=0", "Stages:RecWarmupSteps=2", "Stages:WarmupBatchSize=4",
            "Stages:RecPOSteps=4", "Learner:UsersPerStep=4", "Learner:MiniBatchSize=8", "Learner:RampUpSteps=1",
            "Rollout:GroupSize=4", "Rollout:MaxNewTokens=3", "Schedule:CheckpointInterval=1", "Schedule:EvalInterval=0",
            "Baselines:SasRecSteps=10", "Baselines:SasRecBatchSize=8",
        ], new Hashtable());
        var data = TrainingData.Synthetic(options.Data.SyntheticSeed, options.Data.SyntheticUsers, options.Data.SyntheticItems, options.Data.HistoryWindow);
        var job = new TrainingJob(options, data, new TorchPolicyFactory(options), new RunDirectory(dir), Log.Logger) { StepDone = stepDone };
        return job.RunAsync(stop?.Token ?? default);
    }

    /// <summary>The table and every RecPO step's metrics line up to its (timing) throughput field.</summary>
    private static string Metrics(JobResult r) =>
        MetricsRow.Markdown(r.Rows) + string.Join("\n", File.ReadAllLines(r.Run.Metrics)
            .Where(l => l.StartsWith("{\"stage\":\"recpo\"", StringComparison.Ordinal)).Select(l => l[..l.IndexOf("\"tokensPerSecond\"", StringComparison.Ordinal)]));

    [Test]
    public async Task Same_seed_gives_identical_metrics_with_one_and_four_workers_and_after_a_resume()
    {
        var one = await Run(Path.Combine(_dir, "one"), "1");
        var four = await Run(Path.Combine(_dir, "four"), "4");
        using var stop = new CancellationTokenSource();
        var cut = Path.Combine(_dir, "cut");
        var interrupted = await Run(cut, "1", stop, (stage, step) =>
        {
            if (stage == JobStage.RecPO && step == 2) stop.Cancel();
        });
        var resumed = await Run(cut, "1");

        Assert.That(one.Completed && four.Completed && resumed.Completed, Is.True);
        Assert.That(interrupted.Completed, Is.False);
        Assert.That(Metrics(one), Does.Contain("\"stage\":\"recpo\""), "the metrics hold RecPO steps to compare");
        Assert.That(Metrics(four), Is.EqualTo(Metrics(one)));
        Assert.That(Metrics(resumed), Is.EqualTo(Metrics(one)));
    }
}
