using System.CommandLine;
using R2ec.Data.Datasets;
using R2ec.Shared;
using R2ec.Training;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;
using R2ec.Training.Evaluation;
using R2ec.Training.Experiments;
using R2ec.Training.Jobs;
using Serilog;

namespace R2ec.Cli.Commands;

/// <summary>
/// <c>r2ec experiment --seeds N [--control]</c>: the same job under <c>Run:Seed</c> = 1..N, each in its own run directory
/// of one experiment folder, and with <c>--control</c> also a no-learning control per seed (the same job at RecPO
/// learning rate <see cref="ControlLearningRate"/>, resumed from a copy of the seed's warm-up checkpoint, so it sees the
/// same users in the same order from the same weights). Prints the test rows as mean ± standard deviation across seeds
/// and, per seed, RecPO's training reward against the control's over the second half of the steps; writes the same to
/// <c>experiment.md</c>.
/// </summary>
public static class ExperimentCommand
{
    /// <summary>The control's RecPO learning rate: positive (the key requires it) and far too small to move float32 weights.</summary>
    public const double ControlLearningRate = 1e-12;

    /// <summary>Builds the command; <paramref name="store"/> is the table format of dataset folders (Parquet by default).</summary>
    public static Command Create(GlobalOptions globals, TextWriter output, IDatasetTableStore? store = null)
    {
        store ??= new ParquetDatasetStore();
        var seeds = new Option<int>("--seeds") { Description = "run the job under Run:Seed = 1..N", DefaultValueFactory = _ => 3 };
        // Seeds of one experiment may run as parallel processes (seed K alone: --first-seed K --seeds 1).
        var firstSeed = new Option<int>("--first-seed") { Description = "the first seed: Run:Seed = K..K+N-1", DefaultValueFactory = _ => 1 };
        var control = new Option<bool>("--control") { Description = "also run a no-learning control per seed (RecPO learning rate ≈ 0, same users, same warm-up)" };
        var dataset = new Option<DirectoryInfo?>("--dataset") { Description = "train on a prepared dataset folder (r2ec data prepare)" };
        var name = new Option<string>("--name") { Description = "experiment folder under Run:OutputDirectory (name-2, … when taken)", DefaultValueFactory = _ => "experiment" };
        var command = new Command("experiment", "run the training job under several seeds (and a no-learning control) and aggregate the results");
        command.Options.Add(seeds);
        command.Options.Add(firstSeed);
        command.Options.Add(control);
        command.Options.Add(dataset);
        command.Options.Add(name);
        command.SetAction(async (parse, cancel) =>
        {
            globals.Start(parse);
            var n = parse.GetValue(seeds);
            if (n < 1)
                throw new ConfigurationException($"--seeds must be at least 1, got {n}");
            var k = parse.GetValue(firstSeed);
            if (k < 1)
                throw new ConfigurationException($"--first-seed must be at least 1, got {k}");
            var experimentName = parse.GetValue(name)!;
            if (string.IsNullOrWhiteSpace(experimentName) || experimentName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
                throw new ConfigurationException($"--name '{experimentName}' is not a folder name");
            var configPath = parse.GetValue(globals.Config)?.FullName;
            List<string> sets = [.. parse.GetValue(globals.Set) ?? []];
            if (parse.GetValue(dataset) is { } folder)
                sets.Add($"Data:Dataset={folder.FullName}");
            JobOptions For(int seed, bool isControl) => JobConfiguration.Load(configPath,
                [.. sets, $"Run:Seed={seed}", .. isControl ? [$"Learner:LearningRate={ControlLearningRate:R}"] : Array.Empty<string>()]);
            var first = For(k, false);
            var data = TrainCommand.LoadData(first, store);
            var root = Path.GetFullPath(RunDirectory.FreshPath(first.Run.OutputDirectory, experimentName));
            Directory.CreateDirectory(root);
            using var signals = new TerminationSignals(cancel);
            var outcomes = new List<SeedOutcome>();
            for (var seed = k; seed < k + n; seed++)
            {
                var outcome = await RunSeedAsync(seed, For(seed, false), parse.GetValue(control) ? For(seed, true) : null, data, root, output, signals.Token);
                if (outcome is null)
                {
                    output.WriteLine($"experiment interrupted at seed {seed}; its runs are in {root}");
                    return CliApp.ExitFailure;
                }
                outcomes.Add(outcome);
            }
            var markdown = $"# r2ec experiment `{Path.GetFileName(root)}`\n\n{data.Name}, {n} seeds{(parse.GetValue(control) ? " with a no-learning control each" : "")}; run directories seed-N{(parse.GetValue(control) ? " and seed-N-control" : "")}.\n\n"
                + ExperimentSummary.Markdown(outcomes, TrainingJob.WithRecPO, [TrainingJob.WithoutReasoning, TrainingJob.ReasoningWithoutRecPO, R2ec.Training.Baselines.SasRecBaseline.Method]);
            AtomicFile.WriteAllText(Path.Combine(root, "experiment.md"), markdown);
            output.WriteLine($"experiment folder: {root}");
            output.Write(markdown);
            return 0;
        });
        return command;
    }

    private static async Task<SeedOutcome?> RunSeedAsync(int seed, JobOptions options, JobOptions? controlOptions, TrainingData data,
        string root, TextWriter output, CancellationToken cancel)
    {
        var run = new RunDirectory(Path.Combine(root, $"seed-{seed}"));
        JobResult? controlResult = null;
        if (controlOptions is not null)
        {
            // The warm-ups do not depend on the RecPO rate: run them once, stop at the start of RecPO, and give the
            // control a copy of that checkpoint, so both continue from the same weights over the same users.
            using (var warm = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            {
                var warmUp = await new TrainingJob(options, data, new R2ecPolicyFactory(options), run, Log.Logger)
                {
                    StepDone = (stage, step) =>
                    {
                        if (stage == JobStage.RecWarmup && step >= options.Stages.RecWarmupSteps)
                            warm.Cancel();
                    },
                }.RunAsync(warm.Token);
                if (cancel.IsCancellationRequested || warmUp.Completed)
                    return null;
            }
            var controlRun = Path.Combine(root, $"seed-{seed}-control");
            CopyDirectory(run.Root, controlRun);
            AtomicFile.WriteAllText(Path.Combine(controlRun, "config.json"), JobConfiguration.ToJson(controlOptions));
            controlResult = await new TrainingJob(controlOptions, data, new R2ecPolicyFactory(controlOptions), new RunDirectory(controlRun), Log.Logger).RunAsync(cancel);
            if (!controlResult.Completed)
                return null;
        }
        var result = await new TrainingJob(options, data, new R2ecPolicyFactory(options), run, Log.Logger).RunAsync(cancel);
        if (!result.Completed)
            return null;
        output.WriteLine($"seed {seed}: {run.Root}{(controlResult is null ? "" : $" and {controlResult.Run.Root}")}");
        output.Write(MetricsRow.Markdown(result.Rows));
        return new SeedOutcome(seed, result.Rows, RunMetrics.RecPOSteps(run.Metrics),
            controlResult?.Rows, controlResult is null ? null : RunMetrics.RecPOSteps(controlResult.Run.Metrics),
            RunMetrics.Validations(run.Metrics), controlResult is null ? null : RunMetrics.Validations(controlResult.Run.Metrics));
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}
