using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using R2ec.Data.Datasets;
using R2ec.Training;
using R2ec.Training.Checkpoints;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;
using R2ec.Training.Evaluation;
using R2ec.Training.Jobs;
using R2ec.Training.TensorBoard;
using Serilog;
using Spectre.Console;

namespace R2ec.Cli.Commands;

/// <summary>
/// <c>r2ec train</c>: runs the job (tokenizer, LM warm-up, recommendation warm-up, RecPO) in one process on the actors,
/// writes <c>runs/&lt;name&gt;/</c> and prints the test table. Ctrl-C or SIGTERM stops at the next step boundary after a
/// checkpoint; <c>--resume</c> continues from it.
/// </summary>
public static class TrainCommand
{
    /// <summary>Builds the command; <paramref name="store"/> is the table format of dataset folders (Parquet by default).</summary>
    public static Command Create(GlobalOptions globals, TextWriter output, IDatasetTableStore? store = null)
    {
        store ??= new ParquetDatasetStore();
        var resume = new Option<DirectoryInfo?>("--resume") { Description = "continue the run in this run directory from its newest checkpoint" };
        var dataset = new Option<DirectoryInfo?>("--dataset") { Description = "train on a prepared dataset folder (r2ec data prepare), e.g. datasets/ml-small" };
        var command = new Command("train", "train R2ec with RecPO on the actors (default: synthetic dataset, small model, cluster-config/local.json)");
        command.Options.Add(resume);
        command.Options.Add(dataset);
        command.SetAction(async (parse, cancel) =>
        {
            var started = globals.Start(parse);
            var resumeDir = parse.GetValue(resume);
            JobOptions options;
            if (resumeDir is not null)
            {
                // Checked before RunDirectory, which would create the folders of a mistyped path.
                var config = Path.Combine(resumeDir.FullName, "config.json");
                if (!File.Exists(config))
                    throw new ConfigurationException($"--resume '{resumeDir.FullName}' is not a run directory: it has no config.json");
                if (!new CheckpointStore(Path.Combine(resumeDir.FullName, "checkpoints")).HasAny)
                    throw new CheckpointException($"--resume '{resumeDir.FullName}' has no checkpoint to continue from; start a new run with r2ec train");
                options = JobConfiguration.Load(config, parse.GetValue(globals.Set) ?? []);
            }
            else
            {
                options = parse.GetValue(dataset) is { } folder
                    ? JobConfiguration.Load(parse.GetValue(globals.Config)?.FullName, [.. parse.GetValue(globals.Set) ?? [], $"Data:Dataset={folder.FullName}"])
                    : started;
            }
            EngineBackends.Require(options);
            // The data first: a dataset that cannot be used leaves no empty run directory behind.
            var data = LoadData(options, store);
            var run = resumeDir is not null ? new RunDirectory(resumeDir.FullName) : RunDirectory.CreateFresh(options.Run.OutputDirectory, options.Run.Name);
            return await RunAsync(options, data, run, output, cancel);
        });
        return command;
    }

    /// <summary>The dataset <c>Data:Dataset</c> names (a prepared folder), or the synthetic one when it is empty.</summary>
    internal static TrainingData LoadData(JobOptions options, IDatasetTableStore store)
    {
        var d = options.Data;
        if (string.IsNullOrEmpty(d.Dataset))
            return TrainingData.Synthetic(d.SyntheticSeed, d.SyntheticUsers, d.SyntheticItems, d.HistoryWindow);
        if (!Directory.Exists(d.Dataset))
            throw new ConfigurationException($"Data:Dataset '{d.Dataset}' does not exist; prepare it with r2ec data prepare");
        var (_, dataset) = DatasetFolder.Read(d.Dataset, store);
        // Training needs samples to learn from and the final table needs test users; an empty split would fail deep inside.
        foreach (var (split, count) in new[] { ("train", dataset.Train.Count), ("test", dataset.Test.Count) })
        {
            if (count == 0)
                throw new DataFormatException(Path.Combine(d.Dataset, split + store.Extension), 0, null, $"the {split} split has no samples; prepare the dataset with more interactions");
        }
        return TrainingData.FromPrepared(Path.GetFileName(Path.TrimEndingDirectorySeparator(d.Dataset)), dataset);
    }

    private static async Task<int> RunAsync(JobOptions options, TrainingData data, RunDirectory run, TextWriter output, CancellationToken cancel)
    {
        using var signals = new TerminationSignals(cancel);
        var live = !Console.IsErrorRedirected && options.Logging.Format != LogFormat.Json;
        JobResult result;
        if (live)
        {
            // On a terminal the live display replaces the per-step lines; the run's events.jsonl still gets every event.
            var quiet = new LoggerConfiguration().MinimumLevel.Warning().WriteTo.Logger(Log.Logger).CreateLogger();
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            result = await console.Progress()
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var tasks = new Dictionary<JobStage, ProgressTask>();
                    var job = new TrainingJob(options, data, EngineBackends.Factory(options), run, quiet)
                    {
                        Progress = p =>
                        {
                            if (!tasks.TryGetValue(p.Stage, out var task))
                                tasks[p.Stage] = task = ctx.AddTask(JobStages.Name(p.Stage), maxValue: Math.Max(1, p.Steps));
                            task.Value = p.Step;
                            task.Description = Markup.Escape(Describe(p));
                        },
                    };
                    return await job.RunAsync(signals.Token);
                });
        }
        else
        {
            result = await new TrainingJob(options, data, EngineBackends.Factory(options), run, Log.Logger).RunAsync(signals.Token);
        }
        // Step scalars for TensorBoard (runs/<name>/tensorboard), from the run's metrics file, on either backend.
        if (File.Exists(run.Metrics))
            ScalarEvents.WriteFromMetrics(run.Metrics, Path.Combine(run.Root, "tensorboard"));
        if (!result.Completed)
        {
            output.WriteLine($"interrupted at {JobStages.Name(result.State.Stage)} step {result.State.Step}; resume with: r2ec train --resume {run.Root}");
            return CliApp.ExitFailure;
        }
        output.WriteLine($"run directory: {run.Root}");
        output.WriteLine($"test split of {data.Name}, full ranking over {data.ItemCount} items, history masked:");
        output.Write(MetricsRow.Markdown(result.Rows));
        return 0;
    }

    private static string Describe(JobProgress p)
    {
        var eta = p.StageEta.TotalSeconds >= 1 ? $", ETA {p.StageEta:mm\\:ss}" : "";
        var metrics = p.Stage == JobStage.RecPO
            ? string.Create(CultureInfo.InvariantCulture, $"reward {p.Reward:F3} token loss {p.TokenLoss:F3} item loss {p.ItemLoss:F3}")
            : string.Create(CultureInfo.InvariantCulture, $"loss {p.Loss:F3}");
        return string.Create(CultureInfo.InvariantCulture,
            $"{JobStages.Name(p.Stage),-9} step {p.Step}/{p.Steps} {metrics} {p.TokensPerSecond:F0} tok/s, elapsed {p.Elapsed:mm\\:ss}{eta}");
    }
}
