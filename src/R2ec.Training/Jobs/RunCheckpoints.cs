using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using R2ec.Training.Checkpoints;
using R2ec.Training.Configuration;

namespace R2ec.Training.Jobs;

/// <summary>
/// Resume and checkpoints of one run directory: where a job starts (a fresh <see cref="JobState"/> or the newest
/// checkpoint's), and what each checkpoint holds (weights, optimizer state, item table, tokenizer, the effective
/// configuration and the <see cref="JobState"/>: stage, step, versions, data cursor, seed).
/// </summary>
internal sealed class RunCheckpoints(RunDirectory run, JobOptions options)
{
    private static readonly JsonSerializerOptions StateJson = new() { Converters = { new JsonStringEnumConverter() } };

    private readonly CheckpointStore _store = new(run.Checkpoints, options.Schedule.CheckpointKeep);

    /// <summary>The blobs a checkpoint stores besides the state and configuration.</summary>
    /// <param name="Tokenizer">The tokenizer.</param>
    /// <param name="Weights">The learner's weights, the state's policy version.</param>
    /// <param name="Optimizer">The learner's optimizer state.</param>
    /// <param name="Items">The current item table, when one exists.</param>
    /// <param name="InFlight">
    /// The weights and item tables the steps in flight sample with (<see cref="JobState.InFlight"/>), by file name
    /// (<see cref="InFlightWeightsFile"/>, <see cref="InFlightItemsFile"/>); null or empty in the synchronous loop.
    /// </param>
    internal sealed record Blobs(byte[] Tokenizer, ReadOnlyMemory<byte> Weights, ReadOnlyMemory<byte> Optimizer, ReadOnlyMemory<byte>? Items,
        IReadOnlyDictionary<string, ReadOnlyMemory<byte>>? InFlight = null);

    /// <summary>The checkpoint file of the weights of policy version <paramref name="version"/> that a step in flight samples with.</summary>
    public static string InFlightWeightsFile(ulong version) => $"weights-v{version.ToString(CultureInfo.InvariantCulture)}.bin";

    /// <summary>The checkpoint file of the item table version <paramref name="version"/> that a step in flight ranks against.</summary>
    public static string InFlightItemsFile(ulong version) => $"items-v{version.ToString(CultureInfo.InvariantCulture)}.bin";

    /// <summary>Where a run that has no checkpoint starts.</summary>
    public JobState Initial() => new(JobStage.Tokenizer, 0, false, 0, 0, 0, options.Run.Seed, null);

    /// <summary>The newest checkpoint that passes its checks, or null; <paramref name="rejected"/> says why others were passed over.</summary>
    public CheckpointManifest? LoadLatest(out IReadOnlyList<string> rejected) => _store.LoadLatest(out rejected);

    /// <summary>The job state a checkpoint holds.</summary>
    public JobState ReadState(CheckpointManifest manifest)
    {
        var bytes = _store.Read(manifest, "state.json");
        return JsonSerializer.Deserialize<JobState>(bytes, StateJson)
            ?? throw new CheckpointException($"checkpoint {manifest.Sequence} has an empty state.json");
    }

    /// <summary>Refuses a checkpoint written with another model, dataset or tokenizer than this run is configured with.</summary>
    /// <exception cref="CheckpointException">The checkpoint's configuration differs in a key that must match; the message names it.</exception>
    public void CheckFits(CheckpointManifest manifest)
    {
        if (!manifest.Files.Any(f => f.Name == "config.json"))
            return; // written before checkpoints carried their configuration
        var written = Encoding.UTF8.GetString(_store.Read(manifest, "config.json"));
        if (CheckpointCompatibility.FirstMismatch(written, JobConfiguration.ToJson(options)) is { } m)
            throw new CheckpointException($"checkpoint {manifest.Sequence} in '{run.Checkpoints}' was written with {m.Key}={m.Checkpoint}, " +
                $"but this run has {m.Key}={m.Current}; resume with the configuration it was written with, or start a new run");
    }

    /// <summary>One file of a checkpoint (tokenizer.bin, weights.bin, optimizer.bin, items.bin).</summary>
    public byte[] Read(CheckpointManifest manifest, string file) => _store.Read(manifest, file);

    /// <summary>The checkpoint at the end of the tokenizer stage: the tokenizer is all the job has yet.</summary>
    public void SaveTokenizer(JobState state, byte[] tokenizer) =>
        _store.Save(JobStages.Name(JobStage.Tokenizer), 0, true,
            new Dictionary<string, ReadOnlyMemory<byte>> { ["tokenizer.bin"] = tokenizer, ["state.json"] = StateBytes(state), ["config.json"] = ConfigBytes() },
            Metadata(state));

    /// <summary>A checkpoint of a model stage.</summary>
    public void Save(JobState state, Blobs blobs)
    {
        var files = new Dictionary<string, ReadOnlyMemory<byte>>
        {
            ["tokenizer.bin"] = blobs.Tokenizer,
            ["weights.bin"] = blobs.Weights,
            ["optimizer.bin"] = blobs.Optimizer,
            ["state.json"] = StateBytes(state),
            ["config.json"] = ConfigBytes(),
        };
        if (blobs.Items is { } items)
            files["items.bin"] = items;
        foreach (var (name, content) in blobs.InFlight ?? new Dictionary<string, ReadOnlyMemory<byte>>())
            files.Add(name, content);
        _store.Save(JobStages.Name(state.Stage), state.Step, state.StageCompleted, files, Metadata(state));
    }

    private static Dictionary<string, string> Metadata(JobState state) => new()
    {
        ["policyVersion"] = state.PolicyVersion.ToString(CultureInfo.InvariantCulture),
        ["itemTableVersion"] = state.ItemTableVersion.ToString(CultureInfo.InvariantCulture),
        ["dataCursor"] = state.DataCursor.ToString(CultureInfo.InvariantCulture),
        ["seed"] = state.Seed.ToString(CultureInfo.InvariantCulture),
    };

    private static byte[] StateBytes(JobState state) => JsonSerializer.SerializeToUtf8Bytes(state, StateJson);

    private byte[] ConfigBytes() => Encoding.UTF8.GetBytes(JobConfiguration.ToJson(options));
}
