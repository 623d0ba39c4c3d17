using R2ec.Training.Compute;
using R2ec.Training.Evaluation;
using R2ec.Training.Jobs;
using R2ec.Training.Tests.Support;
using Serilog;

namespace R2ec.Training.Tests.Jobs;

/// <summary>The orchestration guarantees again, with R2ec.Model's real policy at a tiny size.</summary>
public sealed class RealPolicyJobTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("r2ec-real-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Tiny =
    [
        "Model:HiddenSize=16", "Model:Layers=1", "Model:Heads=2", "Model:KeyValueHeads=1", "Model:IntermediateSize=32",
        "Stages:TokenizerVocabulary=320", "Rollout:MaxNewTokens=3", "Data:EvalUsers=12", "Data:HistoryWindow=3",
    ];

    private static Task<JobResult> Run(string dir, string[] sets, CancellationTokenSource? stop = null, Action<JobStage, long>? stepDone = null)
    {
        var options = TinyJob.Options([.. Tiny, .. sets]);
        var job = new TrainingJob(options, TinyJob.Data(options), new R2ecPolicyFactory(options), new RunDirectory(dir), Log.Logger) { StepDone = stepDone };
        return job.RunAsync(stop?.Token ?? default);
    }

    private static string Metrics(JobResult r) =>
        MetricsRow.Markdown(r.Rows) + string.Join("\n", File.ReadAllLines(r.Run.Metrics)
            .Where(l => l.StartsWith("{\"stage\":\"recpo\"")).Select(l => l[..l.IndexOf("\"tokensPerSecond\"", StringComparison.Ordinal)]));

    [Test]
    public async Task SameSeed_OneAndFourWorkers_AndAnInterruptedResumedRun_GiveBitwiseIdenticalMetrics()
    {
        var one = await Run(Path.Combine(_dir, "one"), ["Rollout:Workers=1"]);
        var four = await Run(Path.Combine(_dir, "four"), ["Rollout:Workers=4"]);
        using var stop = new CancellationTokenSource();
        var cut = Path.Combine(_dir, "cut");
        var interrupted = await Run(cut, ["Rollout:Workers=1"], stop, (stage, step) =>
        {
            if (stage == JobStage.RecPO && step == 3) stop.Cancel();
        });
        var resumed = await Run(cut, ["Rollout:Workers=1"]);

        Assert.That(one.Completed && four.Completed && resumed.Completed, Is.True);
        Assert.That(interrupted.Completed, Is.False);
        Assert.That(Metrics(four), Is.EqualTo(Metrics(one)));
        Assert.That(Metrics(resumed), Is.EqualTo(Metrics(one)));
        Assert.That(one.Rows.Single(r => r.Method == TrainingJob.WithRecPO).Users, Is.EqualTo(12));
    }

    [Test]
    public async Task ReasoningColdStart_RunsBetweenTheWarmUps_AndAnInterruptedRunResumesInItToTheSameMetrics()
    {
        string[] coldStart = ["Rollout:Workers=1", "Stages:ReasoningColdStartSteps=4"];
        var whole = await Run(Path.Combine(_dir, "whole"), coldStart);
        using var stop = new CancellationTokenSource();
        var cut = Path.Combine(_dir, "cut");
        var interrupted = await Run(cut, coldStart, stop, (stage, step) =>
        {
            if (stage == JobStage.ReasoningColdStart && step == 2) stop.Cancel();
        });
        var resumed = await Run(cut, coldStart);

        Assert.That(interrupted.Completed, Is.False);
        Assert.That(interrupted.State.Stage, Is.EqualTo(JobStage.ReasoningColdStart));
        Assert.That(whole.Completed && resumed.Completed, Is.True);
        Assert.That(Metrics(resumed), Is.EqualTo(Metrics(whole)));
        // The stages in the order they ran: the cold start after the LM warm-up, before the recommendation warm-up.
        var lines = File.ReadAllLines(whole.Run.Metrics).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("stage").GetString()).ToList();
        Assert.That(lines.Distinct().Take(3), Is.EqualTo(new[] { "lmwarmup", "coldstart", "recwarmup" }));
        Assert.That(lines.Count(l => l == "coldstart"), Is.EqualTo(4));
    }
}
