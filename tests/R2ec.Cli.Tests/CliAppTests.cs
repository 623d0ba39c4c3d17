using System.Text.Json;

namespace R2ec.Cli.Tests;

[NonParallelizable] // the CLI installs the process-wide Serilog logger
public sealed class CliAppTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Test]
    public void Info_PrintsRuntimeSimdCoresAndConfiguration()
    {
        var (code, output, _) = Run("info", "--set", "Rollout:GroupSize=6");

        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain("runtime").And.Contain(".NET"));
        Assert.That(output, Does.Contain("vector512").And.Contain("vector256"));
        Assert.That(output, Does.Contain($"cores             {Environment.ProcessorCount}"));
        Assert.That(output, Does.Contain("\"GroupSize\": 6"));
    }

    [Test]
    public void Info_PrintsTheManagedBackendWithoutLoadingLibtorch()
    {
        var (code, output, _) = Run("info");

        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain("backend           managed").And.Contain("device            cpu").And.Contain("dtype             float32"));
        Assert.That(output, Does.Contain("libtorch          not loaded"));
    }

    [Test]
    public void Info_OnTheTorchBackend_PrintsLibraryVersionsAndThreads()
    {
        var (code, output, error) = Run("info", "--set", "Engine:Backend=torch", "--set", "Engine:Threads=2", "--set", "Engine:DType=bfloat16");

        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("backend           torch").And.Contain("dtype             bfloat16"));
        Assert.That(output, Does.Contain("torchsharp        0.107").And.Contain("libtorch          2.10"));
        Assert.That(output, Does.Contain("torch threads     2"));
    }

    [TestCase("Engine:Device=cuda:0", "Engine:Device")]
    [TestCase("Engine:Device=gpu", "Engine:Device")]
    [TestCase("Engine:DType=bfloat16", "Engine:DType")]
    public void TheManagedBackend_RefusesDevicesAndTypesItLacks(string set, string key)
    {
        var (code, _, error) = Run("info", "--set", set);

        Assert.That(code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(error, Does.Contain($"'{key}'"));
    }

    [Test]
    public void Torch_OnACudaDeviceThisBuildLacks_IsRefusedNamingTheBuildSwitch()
    {
        var (code, _, error) = Run("info", "--set", "Engine:Backend=torch", "--set", "Engine:Device=cuda:1");

        Assert.That(code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(error, Does.Contain("'Engine:Device'").And.Contain("-p:TorchBackend=cuda"));
    }

    [Test]
    public void Train_OnTheTorchBackend_FinishesATinyJobAndPrintsItsTable()
    {
        var output = Directory.CreateTempSubdirectory("r2ec-torch-train-").FullName;
        try
        {
            var (code, stdout, error) = Run(["train", .. FailureMatrixTests.Tiny.SelectMany(s => new[] { "--set", s }),
                "--set", "Engine:Backend=torch", "--set", $"Run:OutputDirectory={output}"]);

            Assert.That(code, Is.Zero, error);
            Assert.That(stdout, Does.Contain("full ranking over 30 items").And.Contain("NDCG@10"));
            Assert.That(Directory.GetDirectories(output).SelectMany(d => Directory.GetFiles(Path.Combine(d, "checkpoints"), "*", SearchOption.AllDirectories)),
                Is.Not.Empty, "the torch learner's checkpoints are written in the shared format");
            var events = Directory.GetFiles(output, "events.out.tfevents.*", SearchOption.AllDirectories).Single();
            Assert.That(R2ec.Training.TensorBoard.ScalarEvents.Read(events).Select(e => e.Tag), Does.Contain("recpo/gradNorm").And.Contain("lmwarmup/loss"),
                "the step scalars are written for TensorBoard under runs/<name>/tensorboard");
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Test]
    public void UnknownSetKey_ExitsWithUsageCodeAndNamesIt()
    {
        var (code, output, error) = Run("info", "--set", "Nope:Key=1");

        Assert.That(code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(error, Does.Contain("'Nope'").And.Contain("--set"));
        Assert.That(output, Is.Empty, "nothing is started on a bad configuration");
    }

    [Test]
    public void UserError_ClassifiesWhatTheUserCanFix_AndLeavesBugsAlone()
    {
        Assert.Multiple(() =>
        {
            Assert.That(CliApp.UserError(new R2ec.Data.Datasets.DataFormatException("a.csv", 3, "rating", "bad")), Does.Contain("a.csv:3"));
            Assert.That(CliApp.UserError(new AggregateException(new R2ec.Training.Checkpoints.CheckpointException("checkpoint 4 is damaged"))),
                Is.EqualTo("checkpoint 4 is damaged"));
            Assert.That(CliApp.UserError(new UnauthorizedAccessException("Access to the path '/x' is denied.")), Does.Contain("'/x'"));
            Assert.That(CliApp.UserError(new IOException("outer", new System.Net.Sockets.SocketException(111))), Is.EqualTo("outer"));
            Assert.That(CliApp.UserError(new InvalidOperationException("wrapped", new System.Net.Sockets.SocketException(111))), Does.StartWith("wrapped ("));
            // Bugs: never turned into a one-line usage error.
            Assert.That(CliApp.UserError(new InvalidOperationException("state")), Is.Null);
            Assert.That(CliApp.UserError(new NullReferenceException()), Is.Null);
            Assert.That(CliApp.UserError(new ArgumentException("bad argument to an internal call")), Is.Null);
        });
    }

    [Test]
    public void UnknownCommand_ExitsWithUsageCode()
    {
        var (code, _, error) = Run("no-such-command");
        Assert.That(code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(error, Does.Contain("no-such-command"));
    }

    [Test]
    public void Executable_PrintsItsVersion_AndExitsWithCode2OnABadKey()
    {
        // The real r2ec.dll in its own process: --version reads the entry assembly, which in-process is the test host.
        var version = RunProcess("--version");
        Assert.That(version.Code, Is.Zero);
        Assert.That(version.Out.Trim(), Does.StartWith(typeof(CliApp).Assembly.GetName().Version!.ToString(3)));

        var bad = RunProcess("info", "--set", "Nope:Key=1");
        Assert.That(bad.Code, Is.EqualTo(2));
        Assert.That(bad.Err, Does.Contain("unknown configuration section 'Nope'"));
    }

    [Test]
    public void Train_StepWhoseGroupNeverArrives_ExitsNonZeroWithinDeadlineTimesAttempts_NamingTheStepAndTheSample()
    {
        var dir = Directory.CreateTempSubdirectory("r2ec-stepfail-");
        try
        {
            string[] sets =
            [
                "Data:SyntheticUsers=20", "Data:SyntheticItems=30", "Data:HistoryWindow=4", "Data:EvalUsers=4",
                "Stages:LmWarmupSteps=1", "Stages:ReasoningColdStartSteps=0", "Stages:RecWarmupSteps=1", "Stages:WarmupBatchSize=4", "Stages:RecPOSteps=2",
                "Stages:TokenizerVocabulary=300", "Learner:UsersPerStep=4", "Learner:MiniBatchSize=8", "Learner:RampUpSteps=1",
                "Rollout:GroupSize=2", "Rollout:MaxNewTokens=4", "Rollout:Workers=2", "Schedule:EvalInterval=0",
                "Model:HiddenSize=16", "Model:Layers=1", "Model:Heads=2", "Model:KeyValueHeads=1", "Model:IntermediateSize=32",
                "Engine:Threads=1", "Logging:Format=Json", $"Run:OutputDirectory={dir.FullName}",
                "Faults:RolloutDropStep=0", "Learner:StepDeadlineSeconds=0.5", "Learner:MaxRequestAttempts=2",
                "Baselines:SasRecSteps=10", "Baselines:SasRecBatchSize=8",
            ];
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (code, output, error) = Run(["train", .. sets.SelectMany(s => new[] { "--set", s })]);

            Assert.That(code, Is.EqualTo(CliApp.ExitFailure));
            Assert.That(error, Does.Match(@"RecPO step 0 failed: samples \d+ still missing after 2 attempts"));
            Assert.That(output, Does.Not.Contain("| R2ec (RecPO) |"), "no table is printed for a failed job");
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromMinutes(2)), "the job ended instead of waiting for a driver timeout");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public void Experiment_FirstSeed_RunsSeedsFromK_AndRefusesAFirstSeedBelowOne()
    {
        var dir = Directory.CreateTempSubdirectory("r2ec-firstseed-");
        try
        {
            string[] sets =
            [
                "Data:SyntheticUsers=20", "Data:SyntheticItems=30", "Data:HistoryWindow=4", "Data:EvalUsers=4",
                "Stages:LmWarmupSteps=1", "Stages:ReasoningColdStartSteps=1", "Stages:RecWarmupSteps=1", "Stages:WarmupBatchSize=4", "Stages:RecPOSteps=1",
                "Stages:TokenizerVocabulary=300", "Learner:UsersPerStep=4", "Learner:MiniBatchSize=8", "Learner:RampUpSteps=1",
                "Rollout:GroupSize=2", "Rollout:MaxNewTokens=4", "Rollout:Workers=1", "Schedule:EvalInterval=0",
                "Model:HiddenSize=16", "Model:Layers=1", "Model:Heads=2", "Model:KeyValueHeads=1", "Model:IntermediateSize=32",
                "Engine:Threads=1", "Logging:Format=Json", $"Run:OutputDirectory={dir.FullName}",
            ];
            var flags = sets.SelectMany(s => new[] { "--set", s }).ToArray();

            var (code, output, error) = Run(["experiment", "--first-seed", "3", "--seeds", "1", "--name", "e", .. flags]);
            var (refused, _, refusal) = Run(["experiment", "--first-seed", "0", "--name", "f", .. flags]);

            Assert.That(code, Is.Zero, error);
            Assert.That(output, Does.Contain("seed 3:"));
            Assert.That(Directory.Exists(Path.Combine(dir.FullName, "e", "seed-3")), Is.True);
            Assert.That(Directory.Exists(Path.Combine(dir.FullName, "e", "seed-1")), Is.False);
            Assert.That(JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.FullName, "e", "seed-3", "config.json"))).RootElement
                .GetProperty("Run").GetProperty("Seed").GetInt64(), Is.EqualTo(3));
            Assert.That(refused, Is.EqualTo(CliApp.ExitUsage));
            Assert.That(refusal, Does.Contain("--first-seed must be at least 1"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static (int Code, string Out, string Err) RunProcess(params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(typeof(CliApp).Assembly.Location);
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        Assert.That(process.WaitForExit(60_000), Is.True, "r2ec did not exit");
        return (process.ExitCode, stdout.Result, stderr);
    }

    [Test]
    public void LogFile_ReceivesJsonLinesWithTheEffectiveConfiguration()
    {
        var dir = Directory.CreateTempSubdirectory("r2ec-log-");
        try
        {
            var (code, _, _) = Run("info", "--log-file", Path.Combine(dir.FullName, "events.jsonl"), "--set", "Rollout:TopK=7");
            Assert.That(code, Is.Zero);

            var file = dir.GetFiles("events*.jsonl").Single();
            var first = File.ReadLines(file.FullName).First();
            using var doc = JsonDocument.Parse(first);
            Assert.That(doc.RootElement.GetProperty("Command").GetString(), Is.EqualTo("info"));
            Assert.That(doc.RootElement.GetProperty("Configuration").GetProperty("Rollout").GetProperty("TopK").GetInt32(), Is.EqualTo(7));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
