using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using R2ec.Data.Datasets;
using R2ec.Training.Configuration;
using Serilog;
using Spectre.Console;

namespace R2ec.Cli.Commands;

/// <summary><c>r2ec data prepare|stats</c>: turn raw interaction logs into a dataset folder, and describe one.</summary>
public static class DataCommand
{
    private static readonly string[] SplitNames = ["auto", "time", "last-out"];

    /// <summary>Builds the command; <paramref name="store"/> is the table format of dataset folders (Parquet by default).</summary>
    public static Command Create(GlobalOptions globals, TextWriter output, IDatasetTableStore? store = null)
    {
        store ??= new ParquetDatasetStore();
        var command = new Command("data", "prepare datasets from raw interaction logs, and describe prepared ones");
        command.Subcommands.Add(Prepare(globals, output, store));
        command.Subcommands.Add(Stats(globals, output, store));
        return command;
    }

    private static Command Prepare(GlobalOptions globals, TextWriter output, IDatasetTableStore store)
    {
        var format = new Option<DatasetFormat>("--format") { Description = "input format", HelpName = "amazon2023|movielens|recbole|synthetic", Required = true };
        var input = new Option<string[]>("--input")
        {
            Description = "input files or folder (movielens: the folder; amazon2023: rating CSV and meta JSONL; recbole: .inter and .item)",
            AllowMultipleArgumentsPerToken = true,
        };
        var outputFolder = new Option<string>("--output") { Description = "dataset folder to write, e.g. datasets/ml-small", Required = true };
        var window = new Option<int>("--window") { Description = "history items kept per sample", DefaultValueFactory = _ => 20 };
        var kcore = new Option<int>("--kcore") { Description = "keep users and items with at least K interactions (0: off)" };
        var since = new Option<string?>("--since") { Description = "drop interactions before this UTC date/time (ISO 8601)" };
        var until = new Option<string?>("--until") { Description = "drop interactions at or after this UTC date/time (ISO 8601)" };
        var split = new Option<string>("--split") { Description = "auto (time when timestamped, else last-out), time or last-out", DefaultValueFactory = _ => "auto" };
        split.AcceptOnlyFromAmong(SplitNames);
        var words = new Option<int>("--description-words") { Description = "words of item descriptions kept", DefaultValueFactory = _ => 100 };
        var skip = new Option<bool>("--skip-bad-rows") { Description = "skip malformed rows and count them in the manifest instead of failing" };
        var force = new Option<bool>("--force") { Description = "replace an existing dataset folder" };
        var seed = new Option<ulong>("--seed") { Description = "synthetic: random seed", DefaultValueFactory = _ => new SyntheticOptions().Seed };
        var items = new Option<int>("--items") { Description = "synthetic: catalogue size", DefaultValueFactory = _ => new SyntheticOptions().Items };
        var users = new Option<int>("--users") { Description = "synthetic: number of users", DefaultValueFactory = _ => new SyntheticOptions().Users };

        var command = new Command("prepare", "read raw logs, build samples and splits as the paper does, write a dataset folder");
        foreach (var option in new Option[] { format, input, outputFolder, window, kcore, since, until, split, words, skip, force, seed, items, users })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            globals.Start(parse);
            // SIGTERM or Ctrl-C stops the reading at its next progress report instead of killing the process mid-write.
            using var signals = new TerminationSignals(CancellationToken.None);
            var stop = signals.Token;
            return Run(stop, parse.InvocationConfiguration.Error, () =>
            {
                var synthetic = parse.GetValue(format) == DatasetFormat.Synthetic
                    ? new SyntheticOptions { Seed = parse.GetValue(seed), Items = parse.GetValue(items), Users = parse.GetValue(users) }
                    : null;
                var options = new PrepareOptions
                {
                    HistoryWindow = parse.GetValue(window),
                    KCore = parse.GetValue(kcore),
                    Since = Instant(parse.GetValue(since), "--since"),
                    Until = Instant(parse.GetValue(until), "--until"),
                    Split = parse.GetValue(split) switch { "time" => SplitMode.ByTime, "last-out" => SplitMode.LeaveLastOut, _ => SplitMode.Auto },
                    DescriptionWords = parse.GetValue(words),
                };
                options.Validate();
                var skipBad = parse.GetValue(skip);
                var target = parse.GetValue(outputFolder)!;
                if (Path.GetDirectoryName(Path.GetFullPath(target)) is { } parent && !Directory.Exists(parent))
                    throw new ConfigurationException($"--output '{target}': its parent folder '{parent}' does not exist");
                DatasetFolder.CheckReplaceable(target, parse.GetValue(force));
                var clock = Stopwatch.StartNew();
                var log = WithProgress(stop, progress => DatasetInputs.Read(parse.GetValue(format), parse.GetValue(input) ?? [],
                    new ReaderOptions(skipBad ? BadRowPolicy.Skip : BadRowPolicy.Fail, progress), synthetic));
                var read = clock.Elapsed;
                stop.ThrowIfCancellationRequested();
                var dataset = DatasetPreparer.Prepare(log, options);
                // Past this point the folder is written whole (into a temporary folder, then renamed) or not at all.
                stop.ThrowIfCancellationRequested();
                var manifest = DatasetFolder.Write(target, dataset, log.Sources, options, skipBad, synthetic, store, parse.GetValue(force));
                Log.Information("prepared {Format:l} dataset {Folder:l}: {Users} users, {Items} items, {Train}/{Valid}/{Test} samples in {Seconds:F2} s",
                    manifest.Format, target, manifest.Counts.Users, manifest.Counts.Items, manifest.Counts.Train, manifest.Counts.Valid, manifest.Counts.Test, clock.Elapsed.TotalSeconds);
                if (manifest.Note is { } note)
                    output.WriteLine(note);
                output.WriteLine($"wrote {target}");
                WriteCounts(output, manifest.Counts);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"time              {clock.Elapsed.TotalSeconds:F2} s (reading {read.TotalSeconds:F2} s)"));
            });
        });
        return command;
    }

    private static Command Stats(GlobalOptions globals, TextWriter output, IDatasetTableStore store)
    {
        var folder = new Argument<string>("folder") { Description = "a prepared dataset folder" };
        var command = new Command("stats", "users, items, samples per split, history length histogram and density of a prepared dataset");
        command.Arguments.Add(folder);
        command.SetAction(parse =>
        {
            globals.Start(parse);
            return Run(CancellationToken.None, parse.InvocationConfiguration.Error, () =>
            {
                var (manifest, dataset) = DatasetFolder.Read(parse.GetValue(folder)!, store);
                if (manifest.Note is { } note)
                    output.WriteLine(note);
                output.WriteLine($"format            {manifest.Format} ({manifest.Split}, times {manifest.TimeUnit})");
                if (manifest.FirstTime is { } first && manifest.LastTime is { } last)
                    output.WriteLine($"time span         {first:yyyy-MM-dd HH:mm:ss} to {last:yyyy-MM-dd HH:mm:ss} UTC");
                output.WriteLine($"prepared by       r2ec {manifest.CodeVersion} at {manifest.CreatedUtc:O}");
                DatasetStats.Compute(dataset).Write(output);
            });
        });
        return command;
    }

    private static void WriteCounts(TextWriter output, PreparationCounts c)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Format(inv, "read              {0:N0} interactions ({1:N0} bad rows skipped)", c.RawInteractions, c.SkippedRows));
        output.WriteLine(string.Format(inv, "dropped           {0:N0} unknown item, {1:N0} untitled item, {2:N0} outside time window, {3:N0} duplicate, {4:N0} k-core",
            c.UnknownItemInteractions, c.UntitledItemInteractions, c.OutsideTimeWindow, c.DuplicateInteractions, c.KCoreRemoved));
        output.WriteLine(string.Format(inv, "kept              {0:N0} interactions, {1:N0} users, {2:N0} items", c.Interactions, c.Users, c.Items));
        output.WriteLine(string.Format(inv, "samples           {0:N0} (train {1:N0}, valid {2:N0}, test {3:N0})", c.Samples, c.Train, c.Valid, c.Test));
    }

    /// <summary>
    /// Runs the command's work. The data library reports bad options and inputs as <see cref="ArgumentException"/>;
    /// they become configuration errors, which <see cref="CliApp"/> prints in one line with exit code 2. An interruption
    /// by <paramref name="stop"/> exits 1 and says that nothing was written.
    /// </summary>
    private static int Run(CancellationToken stop, TextWriter error, Action work)
    {
        try
        {
            work();
            return 0;
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(e.Message);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            error.WriteLine("r2ec: interrupted; nothing was written");
            return CliApp.ExitFailure;
        }
    }

    private static DateTimeOffset? Instant(string? text, string option)
    {
        if (text is null)
            return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw new ArgumentException($"{option} '{text}' is not a date or date-time (ISO 8601, e.g. 2022-01-01 or 2022-01-01T12:00:00Z)");
    }

    /// <summary>
    /// Reads with a progress bar per input file when stderr is a terminal; plainly otherwise. Either way each progress
    /// report ends the reading once <paramref name="stop"/> is cancelled.
    /// </summary>
    private static T WithProgress<T>(CancellationToken stop, Func<IProgress<ReadProgress>?, T> read)
    {
        if (Console.IsErrorRedirected)
            return read(new Reporter(_ => stop.ThrowIfCancellationRequested()));
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress().AutoClear(true).Start(context =>
        {
            var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
            return read(new Reporter(p =>
            {
                stop.ThrowIfCancellationRequested();
                if (!tasks.TryGetValue(p.File, out var task))
                    tasks[p.File] = task = context.AddTask(Markup.Escape(Path.GetFileName(p.File)), maxValue: Math.Max(1, p.TotalBytes));
                task.Value = p.BytesRead;
            }));
        });
    }

    /// <summary>Reports on the reading thread itself (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class Reporter(Action<ReadProgress> report) : IProgress<ReadProgress>
    {
        public void Report(ReadProgress value) => report(value);
    }
}
