using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using R2ec.Data.Datasets;
using R2ec.TestSupport;
using R2ec.Training.Checkpoints;
using R2ec.Training.Configuration;
using R2ec.Training.Jobs;

namespace R2ec.Cli.Tests;

/// <summary>
/// Every failure a user can cause, run through the real <c>r2ec</c> process: each ends with exit code 2, one line on
/// stderr (its last) naming the culprit, no "Unhandled exception", and nothing half-written left behind.
/// </summary>
[NonParallelizable] // processes, temporary folders and one held port
public sealed class FailureMatrixTests
{
    /// <summary>One row of the matrix: what to arrange in the case's own folder and what the last line must name.</summary>
    public sealed record Case(string Name, Func<string, Invocation> Arrange)
    {
        /// <inheritdoc />
        public override string ToString() => Name;
    }

    /// <summary>A command line, the text stderr's last line must contain, and the paths that must stay as they were.</summary>
    public sealed record Invocation(string[] Args, string Culprit)
    {
        /// <summary>Environment variables set for the process.</summary>
        public Dictionary<string, string> Environment { get; init; } = [];

        /// <summary>Paths that must not exist afterwards (run directories, output folders).</summary>
        public string[] Absent { get; init; } = [];

        /// <summary>A folder whose files (names, sizes, contents) must be the same afterwards.</summary>
        public string? Unchanged { get; init; }

        /// <summary>Held during the run (a port kept busy) and released after.</summary>
        public IDisposable? Hold { get; init; }
    }

    private static string _root = "";
    private static string _dataset = "";

    // Small enough that a command that wrongly starts training still ends within seconds.
    internal static readonly string[] Tiny =
    [
        "Data:SyntheticUsers=20", "Data:SyntheticItems=30", "Data:HistoryWindow=4", "Data:EvalUsers=4",
        "Stages:LmWarmupSteps=2", "Stages:ReasoningColdStartSteps=0", "Stages:RecWarmupSteps=2", "Stages:WarmupBatchSize=4", "Stages:RecPOSteps=2", "Stages:TokenizerVocabulary=300",
        "Learner:UsersPerStep=4", "Learner:MiniBatchSize=8", "Learner:RampUpSteps=1",
        "Rollout:GroupSize=4", "Rollout:MaxNewTokens=8", "Rollout:Workers=1", "Schedule:CheckpointInterval=1", "Schedule:EvalInterval=0",
        "Model:HiddenSize=16", "Model:Layers=1", "Model:Heads=2", "Model:KeyValueHeads=1", "Model:IntermediateSize=32", "Model:MaxPositions=1024",
        "Engine:Threads=1", "Logging:Format=Json", "Baselines:SasRecSteps=10", "Baselines:SasRecBatchSize=8",
    ];

    [OneTimeSetUp]
    public void PrepareDataset()
    {
        _root = Directory.CreateTempSubdirectory("r2ec-failures-").FullName;
        _dataset = Path.Combine(_root, "good");
        var prepared = Run(new Invocation(["data", "prepare", "--format", "synthetic", "--users", "20", "--items", "30", "--output", _dataset], ""));
        Assert.That(prepared.Code, Is.Zero, prepared.Err);
    }

    [OneTimeTearDown]
    public void RemoveRoot() => Directory.Delete(_root, recursive: true);

    private static IEnumerable<Case> Cases()
    {
        // train --dataset on a dataset folder that cannot be used; no run directory may be created.
        yield return TrainOn("dataset folder missing", dir => Path.Combine(dir, "nope"), "nope");
        yield return TrainOn("dataset without manifest.json", dir => Copy(dir, d => File.Delete(Path.Combine(d, "manifest.json"))), "manifest.json");
        yield return TrainOn("dataset manifest with a wrong checksum", dir => Copy(dir, d =>
        {
            var manifest = Path.Combine(d, "manifest.json");
            File.WriteAllText(manifest, File.ReadAllText(manifest).Replace(Sha256(Path.Combine(d, "train.parquet")), new string('0', 64)));
        }), "train.parquet");
        yield return TrainOn("dataset train.parquet truncated", dir => Copy(dir, d =>
        {
            var train = Path.Combine(d, "train.parquet");
            File.WriteAllBytes(train, File.ReadAllBytes(train)[..^40]);
        }), "train.parquet");
        yield return TrainOn("dataset train.parquet bit-flipped", dir => Copy(dir, d =>
        {
            var train = Path.Combine(d, "train.parquet");
            var bytes = File.ReadAllBytes(train);
            bytes[bytes.Length / 2] ^= 0x10;
            File.WriteAllBytes(train, bytes);
        }), "train.parquet");
        yield return TrainOn("dataset train.parquet without the sample columns", dir => Copy(dir, d =>
            Replace(d, "train.parquet", p => File.Copy(RepoPaths.SharedFile("parquet-testing", "alltypes_plain.parquet"), p, overwrite: true))), "train.parquet");
        yield return TrainOn("dataset with an empty train split", dir => Copy(dir, d =>
            Replace(d, "train.parquet", p => new ParquetDatasetStore().WriteSamples(p, []))), "train.parquet");

        // train --resume on a run whose checkpoints cannot be continued; the checkpoints stay as they were.
        yield return Resume("resume without a checkpoint", run => { }, [], "has no checkpoint");
        yield return Resume("resume with every checkpoint corrupted", run =>
        {
            WriteCheckpoint(run, Tiny);
            var tokenizer = Directory.GetFiles(Path.Combine(run, "checkpoints"), "tokenizer.bin", SearchOption.AllDirectories).Single();
            File.WriteAllBytes(tokenizer, [.. File.ReadAllBytes(tokenizer).Select(b => (byte)~b)]);
        }, [], "tokenizer.bin");
        yield return Resume("resume a checkpoint of another model size", run => WriteCheckpoint(run, [.. Tiny, "Model:HiddenSize=32"]), [], "Model:HiddenSize");
        yield return Resume("resume with --set of another model size", run => WriteCheckpoint(run, Tiny), ["--set", "Model:Layers=2"], "Model:Layers");

        // data prepare with an output that may not be written or inputs that cannot be read; nothing is written.
        yield return new Case("prepare into an existing folder", dir =>
        {
            var output = Directory.CreateDirectory(Path.Combine(dir, "out")).FullName;
            File.WriteAllText(Path.Combine(output, "notes.txt"), "mine");
            return new Invocation(["data", "prepare", "--format", "synthetic", "--output", output], output) { Unchanged = dir };
        });
        yield return new Case("prepare into a folder that is not writable", dir =>
        {
            // /proc takes no new folders, even for root (chmod would not stop root).
            var output = $"/proc/r2ec-{Guid.NewGuid():N}";
            return new Invocation(["data", "prepare", "--format", "synthetic", "--output", output], "/proc") { Absent = [output] };
        });
        yield return new Case("prepare under a parent that does not exist", dir =>
        {
            var output = Path.Combine(dir, "missing", "out");
            return new Invocation(["data", "prepare", "--format", "synthetic", "--output", output], Path.Combine(dir, "missing")) { Absent = [Path.Combine(dir, "missing")] };
        });
        yield return Prepare("prepare from an empty ratings file", dir => File.WriteAllText(Path.Combine(dir, "ratings.csv"), ""), "ratings.csv");
        yield return Prepare("prepare from a header without the needed columns",
            dir => File.WriteAllText(Path.Combine(dir, "ratings.csv"), "user,item,stars\n1,1,4\n"), "ratings.csv");
        yield return Prepare("prepare from a truncated gzip file", dir =>
        {
            using var buffer = new MemoryStream();
            using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
                gzip.Write(File.ReadAllBytes(RepoPaths.SharedFile("datasets", "movielens-latest-small", "ratings.csv")));
            File.WriteAllBytes(Path.Combine(dir, "ratings.csv.gz"), buffer.ToArray()[..(int)(buffer.Length / 2)]);
        }, "ratings.csv.gz");

        // Configuration by --set and by the environment: unknown key, wrong type, out of range.
        foreach (var (what, key, value) in new[] { ("an unknown key", "Model:Depth", "3"), ("a wrong type", "Model:HiddenSize", "big"), ("an out-of-range value", "Model:Layers", "0") })
        {
            yield return new Case($"--set with {what}", dir => TrainInvocation(dir, ["--set", $"{key}={value}"], key));
            yield return new Case($"environment with {what}", dir => TrainInvocation(dir, [], key, unset: key) with
            {
                Environment = new() { [JobConfiguration.EnvironmentPrefix + key.Replace(":", "__")] = value },
            });
        }
        yield return new Case("config file missing", dir => TrainInvocation(dir, ["--config", Path.Combine(dir, "none.json")], "none.json"));
        yield return new Case("config file not JSON", dir =>
        {
            File.WriteAllText(Path.Combine(dir, "bad.json"), "{ \"Run\": ");
            return TrainInvocation(dir, ["--config", Path.Combine(dir, "bad.json")], "bad.json");
        });

        // r2ec node: a bad role, a seed nobody answers at (not Up within Cluster:StartTimeoutSeconds), a busy health port.
        yield return new Case("node with an unknown role", dir =>
            new Invocation(["node", "--role", "rollout,evaluator", "--node", "w-1", "--set", "Cluster:EndpointsListen=http://127.0.0.1:0"], "evaluator"));
        yield return new Case("node with an unreachable seed", dir =>
        {
            var port = FreePort();
            return new Invocation(["node", "--role", "rollout", "--node", "w-1", "--set", "Cluster:EndpointsListen=http://127.0.0.1:0",
                "--set", "Cluster:RemotingHost=127.0.0.1", "--set", "Cluster:PublicHostname=127.0.0.1", "--set", "Cluster:RemotingPort=0",
                "--set", $"Cluster:Seeds=127.0.0.1:{port}", "--set", "Cluster:StartTimeoutSeconds=1"], $"127.0.0.1:{port}");
        });
        yield return new Case("node with its port in use", dir =>
        {
            var busy = new TcpListener(IPAddress.Loopback, 0);
            busy.Start();
            var port = ((IPEndPoint)busy.LocalEndpoint).Port;
            return new Invocation(["node", "--role", "rollout", "--node", "w-1", "--set", $"Cluster:EndpointsListen=http://127.0.0.1:{port}"], $"127.0.0.1:{port}")
            {
                Hold = new Releaser(busy.Stop),
            };
        });
    }

    [TestCaseSource(nameof(Cases))]
    public void Fails_in_one_line_with_exit_code_2(Case c)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, Guid.NewGuid().ToString("N"))).FullName;
        var invocation = c.Arrange(dir);
        var before = invocation.Unchanged is { } watched ? Snapshot(watched) : null;
        (int Code, string Out, string Err) result;
        using (invocation.Hold)
            result = Run(invocation);

        var lines = result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Multiple(() =>
        {
            Assert.That(result.Code, Is.EqualTo(2), $"exit code; stderr:\n{result.Err}\nstdout:\n{result.Out}");
            Assert.That(result.Err, Does.Not.Contain("Unhandled exception"));
            Assert.That(lines, Is.Not.Empty);
            if (lines.Length > 0)
            {
                Assert.That(lines[^1], Does.StartWith("r2ec: "), "the last line is the CLI's own");
                Assert.That(lines[^1], Does.Contain(invocation.Culprit), "the last line names the culprit");
            }
            foreach (var path in invocation.Absent)
                Assert.That(Directory.Exists(path) || File.Exists(path), Is.False, $"{path} was left behind");
            if (before is not null)
                Assert.That(Snapshot(invocation.Unchanged!), Is.EqualTo(before), "the folder changed");
        });
    }

    [Test]
    public void Prepare_interrupted_by_SIGTERM_leaves_no_output_folder()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, "sigterm")).FullName;
        var output = Path.Combine(dir, "ml");
        using var process = Start(["data", "prepare", "--format", "movielens", "--input", RepoPaths.SharedFile("datasets", "movielens-latest-small"), "--output", output, "--log-format", "json"], []);
        var stderr = process.StandardError.ReadLineAsync(); // the start line: the signal handler is in place just after it
        Assert.That(stderr.Wait(60_000), Is.True, "r2ec did not start");
        Thread.Sleep(300); // into the reading
        Assert.That(Kill(process.Id, 15), Is.Zero, "kill(SIGTERM)");
        var rest = process.StandardError.ReadToEnd();
        Assert.That(process.WaitForExit(60_000), Is.True, "r2ec did not exit after SIGTERM");

        // Either the signal came before the folder was renamed into place (nothing at all), or after (a whole dataset).
        Assert.That(Directory.GetDirectories(dir).Where(d => d != output), Is.Empty, $"a temporary folder was left: {string.Join(", ", Directory.GetDirectories(dir))}");
        if (process.ExitCode == 0)
            Assert.That(File.Exists(Path.Combine(output, "manifest.json")), Is.True, "a complete dataset has its manifest");
        else
        {
            Assert.That(Directory.Exists(output), Is.False, "no partial output folder");
            Assert.That(rest, Does.Contain("interrupted; nothing was written"));
        }
    }

    [Test]
    public void A_run_killed_while_it_writes_a_checkpoint_resumes_from_the_last_complete_one()
    {
        var runs = Path.Combine(_root, "killed");
        using (var train = Start(["train", .. Sets([.. Tiny, $"Run:OutputDirectory={runs}", "Stages:LmWarmupSteps=40"]), "--log-format", "json"], []))
        {
            _ = train.StandardOutput.ReadToEndAsync();
            _ = train.StandardError.ReadToEndAsync();
            // SIGKILL once the warm-up has written a few checkpoints: the process may be anywhere, a checkpoint write included.
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (DateTime.UtcNow < deadline && !train.HasExited && CompleteCheckpoints(runs).Count < 3)
                Thread.Sleep(50);
            Assert.That(train.HasExited, Is.False, "the run ended before it could be killed");
            train.Kill();
            train.WaitForExit();
        }
        var run = Directory.GetDirectories(runs).Single();
        var checkpoints = Path.Combine(run, "checkpoints");
        var complete = CompleteCheckpoints(runs);
        Assert.That(complete, Is.Not.Empty);
        // What a kill in the middle of a write leaves, whether or not this kill hit one: a half-filled hidden folder.
        var partial = Directory.CreateDirectory(Path.Combine(checkpoints, $".incomplete-{Guid.NewGuid():N}")).FullName;
        File.WriteAllBytes(Path.Combine(partial, "weights.bin"), new byte[100]);

        var resumed = Run(new Invocation(["train", "--resume", run, "--log-format", "json"], ""));

        Assert.That(resumed.Code, Is.Zero, resumed.Err);
        Assert.That(resumed.Out, Does.Contain("R2ec (RecPO)"));
        var newest = long.Parse(Path.GetFileName(complete[^1]).Split('-')[0]);
        Assert.That(resumed.Err, Does.Contain($"from checkpoint {newest} "), "resumed from the newest complete checkpoint");
    }

    private static List<string> CompleteCheckpoints(string runs) =>
        !Directory.Exists(runs) ? [] :
        [.. Directory.GetDirectories(runs).SelectMany(r => Directory.Exists(Path.Combine(r, "checkpoints")) ? Directory.GetDirectories(Path.Combine(r, "checkpoints")) : [])
            .Where(d => !Path.GetFileName(d).StartsWith('.') && File.Exists(Path.Combine(d, CheckpointStore.ManifestName)))
            .Order(StringComparer.Ordinal)];

    private static Case TrainOn(string name, Func<string, string> dataset, string culprit) =>
        new(name, dir => TrainInvocation(dir, ["--dataset", dataset(dir)], culprit));

    /// <summary><c>r2ec train</c> with the tiny settings, except <paramref name="unset"/> (a key the case sets another way).</summary>
    private static Invocation TrainInvocation(string dir, string[] args, string culprit, string? unset = null)
    {
        var runs = Path.Combine(dir, "runs");
        string[] tiny = [.. Tiny.Where(s => unset is null || !s.StartsWith(unset + "=", StringComparison.Ordinal))];
        // The case's own arguments last, so that its --set wins over the tiny settings.
        return new Invocation(["train", .. Sets([.. tiny, $"Run:OutputDirectory={runs}"]), .. args], culprit) { Absent = [runs] };
    }

    private static Case Resume(string name, Action<string> arrange, string[] args, string culprit) => new(name, dir =>
    {
        var run = Directory.CreateDirectory(Path.Combine(dir, "run")).FullName;
        Directory.CreateDirectory(Path.Combine(run, "checkpoints"));
        File.WriteAllText(Path.Combine(run, "config.json"), JobConfiguration.ToJson(JobConfiguration.Load(null, [.. Tiny, $"Run:OutputDirectory={dir}"], new Dictionary<string, string>())));
        arrange(run);
        return new Invocation(["train", "--resume", run, .. args], culprit) { Unchanged = Path.Combine(run, "checkpoints") };
    });

    private static Case Prepare(string name, Action<string> arrange, string culprit) => new(name, dir =>
    {
        var input = Directory.CreateDirectory(Path.Combine(dir, "in")).FullName;
        File.WriteAllText(Path.Combine(input, "movies.csv"), "movieId,title,genres\n1,A (1999),Drama\n");
        arrange(input);
        var output = Path.Combine(dir, "out");
        return new Invocation(["data", "prepare", "--format", "movielens", "--input", input, "--output", output], culprit) { Absent = [output] };
    });

    /// <summary>A checkpoint of a finished tokenizer stage, written with the configuration <paramref name="sets"/>.</summary>
    private static void WriteCheckpoint(string run, string[] sets)
    {
        var state = new JobState(JobStage.Tokenizer, 0, true, 0, 0, 0, 7, null);
        var json = new JsonSerializerOptions { Converters = { new JsonStringEnumConverter() } };
        var config = JobConfiguration.ToJson(JobConfiguration.Load(null, [.. sets, $"Run:OutputDirectory={Path.GetDirectoryName(run)}"], new Dictionary<string, string>()));
        new CheckpointStore(Path.Combine(run, "checkpoints")).Save("tokenizer", 0, true, new Dictionary<string, ReadOnlyMemory<byte>>
        {
            ["tokenizer.bin"] = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 },
            ["state.json"] = JsonSerializer.SerializeToUtf8Bytes(state, json),
            ["config.json"] = System.Text.Encoding.UTF8.GetBytes(config),
        }, new Dictionary<string, string>());
    }

    private static string Copy(string dir, Action<string> alter)
    {
        var copy = Directory.CreateDirectory(Path.Combine(dir, "dataset")).FullName;
        foreach (var file in Directory.GetFiles(_dataset))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        alter(copy);
        return copy;
    }

    /// <summary>Replaces a table and updates its checksum in the manifest, so only the content is wrong.</summary>
    private static void Replace(string dataset, string table, Action<string> write)
    {
        var path = Path.Combine(dataset, table);
        var old = Sha256(path);
        write(path);
        var manifest = Path.Combine(dataset, "manifest.json");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace(old, Sha256(path)));
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static SortedDictionary<string, string> Snapshot(string folder) =>
        new(Directory.GetFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(folder, f), Sha256), StringComparer.Ordinal);

    private static IEnumerable<string> Sets(IEnumerable<string> sets) => sets.SelectMany(s => new[] { "--set", s });

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static Process Start(IEnumerable<string> args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _root };
        start.ArgumentList.Add(RepoPaths.CliDll);
        foreach (var a in args)
            start.ArgumentList.Add(a);
        foreach (var (k, v) in environment)
            start.Environment[k] = v;
        return Process.Start(start)!;
    }

    private static (int Code, string Out, string Err) Run(Invocation invocation)
    {
        using var process = Start(invocation.Args, invocation.Environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"r2ec {string.Join(' ', invocation.Args)} did not exit within 120 s");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private sealed class Releaser(Action release) : IDisposable
    {
        public void Dispose() => release();
    }
}
