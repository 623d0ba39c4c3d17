namespace R2ec.Training.Checkpoints;

/// <summary>One file of a checkpoint, with the size and digest it must have when read back.</summary>
/// <param name="Name">File name inside the checkpoint directory.</param>
/// <param name="Bytes">Exact length in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the content.</param>
public sealed record CheckpointFile(string Name, long Bytes, string Sha256);

/// <summary>
/// The table of contents of a checkpoint, written last: a checkpoint without a manifest, or whose files do not
/// match it, is not a checkpoint.
/// </summary>
/// <param name="Sequence">Position in the run's history of checkpoints; later checkpoints have larger numbers.</param>
/// <param name="Stage">The job stage that wrote it (tokenizer, lm-warmup, rec-warmup, recpo).</param>
/// <param name="Step">Steps completed within that stage.</param>
/// <param name="StageCompleted">True when the stage had finished when this was written.</param>
/// <param name="CreatedUtc">When it was written.</param>
/// <param name="Files">Every data file and its digest.</param>
/// <param name="Metadata">Small facts (policy version, data cursor, RNG state) as strings.</param>
public sealed record CheckpointManifest(
    long Sequence,
    string Stage,
    long Step,
    bool StageCompleted,
    DateTimeOffset CreatedUtc,
    IReadOnlyList<CheckpointFile> Files,
    IReadOnlyDictionary<string, string> Metadata);
