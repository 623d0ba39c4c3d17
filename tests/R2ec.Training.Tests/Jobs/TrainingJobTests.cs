using System.Text.Json;
using R2ec.Training.Baselines;
using R2ec.Training.Compute;
using R2ec.Training.Evaluation;
using R2ec.Training.Jobs;
using R2ec.Training.Tests.Support;

namespace R2ec.Training.Tests.Jobs;

public sealed class TrainingJobTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("r2ec-job-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static string Table(JobResult r) => MetricsRow.Markdown(r.Rows);

    // The per-step rewards and losses, which must match bit for bit as well as the final table.
    private static string[] RecPOLines(JobResult r) =>
        File.ReadAllLines(r.Run.Metrics).Where(l => l.StartsWith("{\"stage\":\"recpo\"")).Select(StripTimings).ToArray();

    private static string StripTimings(string line)
    {
        var keep = new[] { "rewardMean", "rewardStd", "advantageMean", "advantageStd", "tokenLoss", "itemLoss", "approxKl", "gradNorm", "trajectories", "generatedTokens" };
        using var doc = System.Text.Json.JsonDocument.Parse(line);
        var m = doc.RootElement.GetProperty("metrics");
        return string.Join(",", keep.Select(k => m.TryGetProperty(k, out var v) ? $"{k}={v.GetRawText()}" : $"{k}=-"));
    }

    [Test]
    public async Task Completes_WithTheSixRowsOverTheSameTestUsers()
    {
        var result = await TinyJob.Create(TinyJob.Options(), Path.Combine(_dir, "run")).RunAsync();

        Assert.That(result.Completed, Is.True);
        Assert.That(result.Rows.Select(r => r.Method), Is.EqualTo(new[] { PopularityBaseline.Method, SasRecBaseline.Method, TrainingJob.WithoutReasoning, TrainingJob.ReasoningWithoutRecPO, TrainingJob.WithRecPO, TrainingJob.RecPOWithoutReasoning }));
        Assert.That(result.Rows.Select(r => r.Users).Distinct().Count(), Is.EqualTo(1));
        Assert.That(File.ReadAllText(result.Run.Report), Does.Contain("| R2ec (RecPO) |").And.Contain("R2ec (RecPO) − without reasoning, paired over the same")
            .And.Contain("R2ec (RecPO) − reasoning without RecPO, paired over the same").And.Contain("R2ec (RecPO) − SASRec, paired over the same"));
        Assert.That(File.ReadAllText(result.Run.ReportHtml), Does.Contain("| R2ec (RecPO) |").And.Contain("<svg ").And.Contain("Mean training reward"));
        // The report's examples are the first test samples of the R2ec row, at the ranks that row holds.
        using (var final = JsonDocument.Parse(File.ReadLines(result.Run.Metrics).Last(l => l.Contains("\"stage\":\"final\"", StringComparison.Ordinal))))
        {
            var ranks = final.RootElement.GetProperty("examples").EnumerateArray().Select(e => e.GetProperty("Rank").GetInt32());
            Assert.That(ranks, Is.EqualTo(result.Rows.Single(r => r.Method == TrainingJob.WithRecPO).Ranks!.Take(3)));
        }
        Assert.That(File.ReadAllText(result.Run.Report), Does.Contain("What the RecPO policy writes"));
        // Validated every Schedule:EvalInterval steps and after the last one, each with its users' ranks.
        var validations = R2ec.Training.Experiments.RunMetrics.Validations(result.Run.Metrics);
        Assert.That(validations.Select(v => v.Step), Is.EqualTo(new[] { 2L, 4, 5 }));
        Assert.That(validations.Select(v => v.Ranks!.Length), Is.All.EqualTo(validations[0].Users));
        Assert.That(RecPOLines(result), Has.Length.EqualTo(5));
        Assert.That(File.ReadAllLines(result.Run.Events), Has.Some.Contains("RecPO step 5/5"));
        Assert.That(result.State.PolicyVersion, Is.GreaterThan(5UL));
    }

    [Test]
    public async Task SasRecRow_IsInTheFinalMetricsWithItsRanksAndTrainingCost_AndLeftOutWhenSwitchedOff()
    {
        var result = await TinyJob.Create(TinyJob.Options(), Path.Combine(_dir, "on")).RunAsync();

        using (var final = JsonDocument.Parse(File.ReadLines(result.Run.Metrics).Last(l => l.Contains("\"stage\":\"final\"", StringComparison.Ordinal))))
        {
            var rows = final.RootElement.GetProperty("rows").EnumerateArray().ToList();
            var sasrec = rows.Single(r => r.GetProperty("Method").GetString() == SasRecBaseline.Method);
            var ranks = sasrec.GetProperty("Ranks").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var row = MetricsRow.FromRanks(SasRecBaseline.Method, ranks);
            Assert.That(ranks, Has.Length.EqualTo(rows[0].GetProperty("Users").GetInt32()), "over the popularity row's users");
            Assert.That(sasrec.GetProperty("Hit").EnumerateArray().Select(e => e.GetDouble()), Is.EqualTo(row.Hit));
            Assert.That(row.StandardErrors(), Has.All.GreaterThan(0), "every mean has a bootstrap standard error");
            Assert.That(ranks, Is.EqualTo(result.Rows.Single(r => r.Method == SasRecBaseline.Method).Ranks));
            var training = final.RootElement.GetProperty("sasrec");
            Assert.That(training.GetProperty("Steps").GetInt32(), Is.EqualTo(20));
            Assert.That(final.RootElement.GetProperty("sasrecCpuSeconds").GetDouble(), Is.GreaterThan(0));
        }

        var off = await TinyJob.Create(TinyJob.Options("Baselines:SasRec=false"), Path.Combine(_dir, "off")).RunAsync();
        Assert.That(off.Rows.Select(r => r.Method), Does.Not.Contain(SasRecBaseline.Method));
        // The other rows do not depend on whether SASRec ran.
        Assert.That(off.Rows, Has.Count.EqualTo(result.Rows.Count - 1));
        Assert.That(off.Rows.Select(r => r.Ranks), Is.EqualTo(result.Rows.Where(r => r.Method != SasRecBaseline.Method).Select(r => r.Ranks)));
    }

    [Test]
    public async Task NodeMetrics_CountEveryGroupTheCoordinatorAccepted_OncePerStepAndSample()
    {
        var options = TinyJob.Options();
        var metrics = new R2ec.Training.DataPlane.NodeMetrics();
        var placement = JobPlacement.SingleProcess() with { Metrics = metrics };
        var job = new TrainingJob(options, TinyJob.Data(options), new ToyPolicyFactory(), new RunDirectory(Path.Combine(_dir, "run")),
            Serilog.Log.Logger, placement);

        var result = await job.RunAsync();

        var planned = options.Stages.RecPOSteps * options.Learner.UsersPerStep;
        Assert.That(result.Completed, Is.True);
        Assert.That(metrics.Value("r2ec_coordinator_groups_accepted_total"), Is.EqualTo(planned));
        Assert.That(metrics.Value("r2ec_rollout_groups_total"), Is.GreaterThanOrEqualTo(planned));
        Assert.That(metrics.ToPrometheusText(), Does.Contain("r2ec_rollout_tokens_total"));
    }

    [Test]
    public async Task SameSeed_GivesBitwiseIdenticalMetrics_WithOneAndFourRolloutWorkers()
    {
        var one = await TinyJob.Create(TinyJob.Options("Rollout:Workers=1"), Path.Combine(_dir, "one")).RunAsync();
        var four = await TinyJob.Create(TinyJob.Options("Rollout:Workers=4"), Path.Combine(_dir, "four")).RunAsync();

        Assert.That(Table(four), Is.EqualTo(Table(one)));
        Assert.That(RecPOLines(four), Is.EqualTo(RecPOLines(one)));
        Assert.That(four.Rows.Select(r => r.Ndcg), Is.EqualTo(one.Rows.Select(r => r.Ndcg)));
    }

    // Per RecPO step, the version lag of every group used (the learner's version minus the sampling one).
    private static ulong[][] VersionLags(JobResult r) =>
        File.ReadAllLines(r.Run.Metrics).Where(l => l.StartsWith("{\"stage\":\"recpo\"")).Select(l =>
        {
            using var doc = JsonDocument.Parse(l);
            return doc.RootElement.GetProperty("metrics").TryGetProperty("versionLags", out var lags)
                ? lags.EnumerateArray().Select(v => ulong.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToArray()
                : [];
        }).ToArray();

    [Test]
    public async Task Pipelined_WithLagOne_GivesBitwiseIdenticalMetrics_WithOneAndFourWorkers_AndEveryGroupLagsExactlyOneVersion()
    {
        var one = await TinyJob.Create(TinyJob.Options("Learner:MaxStaleness=1", "Rollout:Workers=1"), Path.Combine(_dir, "one")).RunAsync();
        var four = await TinyJob.Create(TinyJob.Options("Learner:MaxStaleness=1", "Rollout:Workers=4"), Path.Combine(_dir, "four")).RunAsync();
        var synchronous = await TinyJob.Create(TinyJob.Options("Rollout:Workers=4"), Path.Combine(_dir, "sync")).RunAsync();

        Assert.That(one.Completed && four.Completed, Is.True);
        Assert.That(Table(four), Is.EqualTo(Table(one)));
        Assert.That(RecPOLines(four), Is.EqualTo(RecPOLines(one)));
        // Step 1 samples with the policy it starts from (there is no earlier one); every later step with the one before.
        var users = TinyJob.Options().Learner.UsersPerStep;
        Assert.That(VersionLags(one), Is.EqualTo(Enumerable.Range(0, 5).Select(s => Enumerable.Repeat(s == 0 ? 0UL : 1UL, users).ToArray()).ToArray()));
        Assert.That(VersionLags(synchronous).SelectMany(l => l), Is.All.EqualTo(0UL));
        // The first step samples with the same policy in both modes, so it draws the same groups; later the lag changes them.
        Assert.That(RecPOLines(one)[0].Split(',')[0], Is.EqualTo(RecPOLines(synchronous)[0].Split(',')[0]).And.StartsWith("rewardMean="));
        Assert.That(RecPOLines(one).Skip(1), Is.Not.EqualTo(RecPOLines(synchronous).Skip(1)));
    }

    [TestCase(1, 2)]
    [TestCase(1, 3)]
    [TestCase(2, 3)]
    public async Task Pipelined_InterruptedAfterStepK_AndResumed_MatchesAnUninterruptedRun(int lag, long k)
    {
        var options = TinyJob.Options($"Learner:MaxStaleness={lag}", "Rollout:ItemTableRefresh=2", $"Cluster:BlobKeepVersions={lag + 1}");
        var whole = await TinyJob.Create(options, Path.Combine(_dir, "whole")).RunAsync();
        using var stop = new CancellationTokenSource();
        var cut = Path.Combine(_dir, "cut");
        var first = await TinyJob.Create(options, cut, (s, step) =>
        {
            if (s == JobStage.RecPO && step == k) stop.Cancel();
        }).RunAsync(stop.Token);
        Assert.That((first.Completed, first.State.Step), Is.EqualTo((false, k)));
        // The checkpoint names the steps in flight: k + 1 .. k + lag, sampled with the versions before the current one.
        Assert.That(first.State.InFlight!.Select(f => f.Step), Is.EqualTo(Enumerable.Range((int)k, lag).Select(s => (long)s)));
        Assert.That(first.State.InFlight!.Select(f => f.PolicyVersion), Is.All.LessThan(first.State.PolicyVersion));
        // A smaller lag would forget the weights the steps in flight sample with: refused, naming both values.
        var smaller = TinyJob.Options($"Learner:MaxStaleness={lag - 1}", "Rollout:ItemTableRefresh=2", $"Cluster:BlobKeepVersions={lag + 1}");
        Assert.That(async () => await TinyJob.Create(smaller, cut).RunAsync(),
            Throws.TypeOf<R2ec.Training.Checkpoints.CheckpointException>().With.Message.Contains($"written with Learner:MaxStaleness={lag}"));

        var resumed = await TinyJob.Create(options, cut).RunAsync();

        Assert.That(whole.Completed && resumed.Completed, Is.True);
        Assert.That(RecPOLines(resumed), Is.EqualTo(RecPOLines(whole)));
        Assert.That(VersionLags(resumed), Is.EqualTo(VersionLags(whole)));
        Assert.That(Table(resumed), Is.EqualTo(Table(whole)));
    }

    [TestCase(JobStage.LmWarmup, 2)]
    [TestCase(JobStage.RecPO, 3)]
    [TestCase(JobStage.ReasoningColdStart, 2, 3)]
    public async Task Interrupted_AfterStepK_AndResumed_GivesTheFinalMetricsOfAnUninterruptedRun(JobStage stage, long k, int coldStartSteps = 0)
    {
        var options = TinyJob.Options($"Stages:ReasoningColdStartSteps={coldStartSteps}");
        var uninterrupted = await TinyJob.Create(options, Path.Combine(_dir, "whole")).RunAsync();

        using var stop = new CancellationTokenSource();
        var interruptedDir = Path.Combine(_dir, "interrupted");
        var first = await TinyJob.Create(options, interruptedDir, (s, step) =>
        {
            if (s == stage && step == k) stop.Cancel();
        }).RunAsync(stop.Token);
        Assert.That(first.Completed, Is.False);
        Assert.That(first.State.Stage, Is.EqualTo(stage));
        Assert.That(first.State.Step, Is.EqualTo(k));

        var resumed = await TinyJob.Create(options, interruptedDir).RunAsync();

        Assert.That(resumed.Completed, Is.True);
        Assert.That(Table(resumed), Is.EqualTo(Table(uninterrupted)));
        Assert.That(RecPOLines(resumed), Is.EqualTo(RecPOLines(uninterrupted)));
        Assert.That(File.ReadAllLines(resumed.Run.Events), Has.Some.Contains("Job resuming"));
    }

    [Test]
    public async Task ItemTableRefreshedEveryThreeVersions_WithValidationEveryStep_ResumesToTheSameMetrics()
    {
        var options = TinyJob.Options("Rollout:ItemTableRefresh=3", "Schedule:EvalInterval=1");
        var whole = await TinyJob.Create(options, Path.Combine(_dir, "whole")).RunAsync();
        using var stop = new CancellationTokenSource();
        var cut = Path.Combine(_dir, "cut");
        await TinyJob.Create(options, cut, (s, step) =>
        {
            if (s == JobStage.RecPO && step == 2) stop.Cancel();
        }).RunAsync(stop.Token);

        var resumed = await TinyJob.Create(options, cut).RunAsync();

        Assert.That(whole.Completed && resumed.Completed, Is.True);
        Assert.That(RecPOLines(resumed), Is.EqualTo(RecPOLines(whole)));
        Assert.That(Table(resumed), Is.EqualTo(Table(whole)));
    }

    [Test]
    public async Task RolloutWorkerThatThrows_IsRestarted_AndTheRedeliveredRequestCompletesTheStepWithTheSameResult()
    {
        var clean = await TinyJob.Create(TinyJob.Options(), Path.Combine(_dir, "clean")).RunAsync();

        // A deadline far beyond the test's length: the pool's redelivery, not a re-request, must complete the step.
        var faulty = await TinyJob.Create(TinyJob.Options("Faults:RolloutFailStep=1", "Learner:StepDeadlineSeconds=600"),
            Path.Combine(_dir, "faulty")).RunAsync();

        Assert.That(faulty.Completed, Is.True);
        var lines = File.ReadAllLines(faulty.Run.Events);
        var events = lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        // Akka's supervisor logged the failure, with the failing worker's path as the structured ActorPath.
        var failure = events.Where(e => e.TryGetProperty("@x", out var x) && x.GetString()!.Contains(nameof(R2ec.Training.Actors.InjectedFaultException))).ToList();
        Assert.That(failure, Has.Count.EqualTo(1));
        Assert.That(failure[0].GetProperty("ActorPath").GetString(), Does.Match("^akka://r2ec/user/rollout-[0-9]+"));
        // The coordinator put the lost request back at the head of its queue, and the step completed without a re-request.
        var requeued = events.Where(e => e.GetProperty("@mt").GetString() == "Re-queued the request of step {Step}, samples {Samples} held by {Worker}, which {Why}").ToList();
        Assert.That(requeued, Has.Count.EqualTo(1));
        Assert.That(requeued[0].GetProperty("Step").GetUInt64(), Is.EqualTo(1UL));
        Assert.That(requeued[0].GetProperty("ActorPath").GetString(), Is.EqualTo("akka://r2ec/user/coordinator"));
        // The backoff supervisor started a fresh worker in place of the failed one.
        var worker = requeued[0].GetProperty("Worker").GetString();
        var starts = events.Where(e => e.GetProperty("@mt").GetString() == "Rollout worker {Worker} started; asking {Coordinator} for work"
            && e.GetProperty("Worker").GetString() == worker).ToList();
        Assert.That(starts, Has.Count.EqualTo(2));
        Assert.That(events.Where(e => e.GetProperty("@mt").GetString()!.Contains("re-requesting")), Is.Empty);
        Assert.That(Table(faulty), Is.EqualTo(Table(clean)));
        Assert.That(RecPOLines(faulty), Is.EqualTo(RecPOLines(clean)));
    }

    private static List<System.Text.Json.JsonElement> Events(string path, string template) =>
        File.ReadAllLines(path).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("@mt").GetString() == template).ToList();

    [Test]
    public async Task StepWhoseGroupCannotArrive_FailsTheJob_NamingTheStepAndTheSample_WithinDeadlineTimesAttempts()
    {
        const double deadline = 0.5;
        const int attempts = 2;
        var options = TinyJob.Options("Faults:RolloutDropStep=1", $"Learner:StepDeadlineSeconds={deadline}", $"Learner:MaxRequestAttempts={attempts}");
        System.Diagnostics.Stopwatch? sinceStepOne = null;
        var job = TinyJob.Create(options, Path.Combine(_dir, "run"), (stage, step) =>
        {
            if (stage == JobStage.RecPO && step == 1) sinceStepOne = System.Diagnostics.Stopwatch.StartNew();
        });

        var error = Assert.ThrowsAsync<StepFailedException>(() => job.RunAsync());

        var elapsed = sinceStepOne!.Elapsed.TotalSeconds;
        var dropped = Events(job.Run.Events, "Rollout request of step {Step}, samples {Samples} dropped: {Reason}");
        Assert.That(dropped, Has.Count.EqualTo(attempts), "every attempt of the dropped sample was dropped");
        var sample = dropped[0].GetProperty("Samples")[0].GetUInt64();
        Assert.That(dropped.Select(e => e.GetProperty("Step").GetUInt64()), Is.All.EqualTo(1UL));
        Assert.That(error!.Step, Is.EqualTo(1UL));
        Assert.That(error.Missing, Is.EqualTo(new[] { sample }));
        Assert.That(error.Message, Does.Contain("step 1").And.Contain($"samples {sample} "));
        var failed = Events(job.Run.Events, "Step {Step} failed: samples {Missing} still missing after {Attempts} attempts of {DeadlineSeconds} s each");
        Assert.That(failed, Has.Count.EqualTo(1));
        Assert.That(failed[0].GetProperty("Missing")[0].GetUInt64(), Is.EqualTo(sample));
        Assert.That(failed[0].GetProperty("Attempts").GetInt32(), Is.EqualTo(attempts));
        // Deadline × attempts, plus room for one loaded machine's scheduling; far below the old 30-minute driver timeout.
        Assert.That(elapsed, Is.LessThan(deadline * attempts + 10));
        Assert.That(elapsed, Is.GreaterThanOrEqualTo(deadline * attempts * 0.9));
    }

    [Test]
    public void LearnerThatFails_IsStoppedNotRestarted_AndTheJobFailsAtOnceNamingIt()
    {
        var options = TinyJob.Options();
        var job = new TrainingJob(options, TinyJob.Data(options), new ToyPolicyFactory { FailFirstAtWarmUpStep = 2 },
            new RunDirectory(Path.Combine(_dir, "run")), Serilog.Log.Logger);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var error = Assert.ThrowsAsync<ActorStoppedException>(() => job.RunAsync());

        Assert.That(error!.Message, Does.Contain("akka://r2ec/user/learner stopped").And.Contain(nameof(R2ec.Training.Messages.WarmUpStep)));
        // Far below the driver's 30-minute ask: the job does not wait for an answer a stopped learner cannot give.
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
        var failure = Events(job.Run.Events, "toy policy: injected failure at warm-up step 2");
        Assert.That(failure, Has.Count.EqualTo(1));
        // Logged by Akka's supervisor (the user guardian, ActorPath) about the failed actor (LogSource).
        Assert.That(failure[0].GetProperty("LogSource").GetString(), Is.EqualTo("akka://r2ec/user/learner"));
        Assert.That(failure[0].GetProperty("ActorPath").GetString(), Is.EqualTo("akka://r2ec/user"));
    }
}
