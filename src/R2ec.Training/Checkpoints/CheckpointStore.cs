using System.Security.Cryptography;
using System.Text.Json;
using R2ec.Shared;

namespace R2ec.Training.Checkpoints;

/// <summary>
/// Checkpoints of one run, each a directory <c>NNNNNNNN-stage-step</c> holding data files and a <c>manifest.json</c>
/// with their SHA-256. A checkpoint is assembled in a hidden temporary directory and renamed into place only when
/// complete, so a crash mid-write leaves the previous checkpoints as they were. Loading verifies every digest and
/// falls back to the newest checkpoint that verifies.
/// </summary>
public sealed class CheckpointStore
{
    /// <summary>Name of the manifest inside each checkpoint directory.</summary>
    public const string ManifestName = "manifest.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly string _root;
    private readonly int _keep;

    /// <summary>Opens (and creates) the store.</summary>
    /// <param name="root">Directory holding the checkpoints.</param>
    /// <param name="keep">How many newest checkpoints to keep; older ones are deleted after a successful save.</param>
    public CheckpointStore(string root, int keep = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        _root = Path.GetFullPath(root);
        _keep = keep;
        Directory.CreateDirectory(_root);
    }

    /// <summary>Writes a checkpoint atomically and returns its manifest.</summary>
    /// <param name="stage">The stage writing it.</param>
    /// <param name="step">Steps completed within the stage.</param>
    /// <param name="stageCompleted">Whether the stage has finished.</param>
    /// <param name="files">File name to content; names must be plain file names.</param>
    /// <param name="metadata">Small facts stored in the manifest.</param>
    public CheckpointManifest Save(string stage, long step, bool stageCompleted,
        IReadOnlyDictionary<string, ReadOnlyMemory<byte>> files, IReadOnlyDictionary<string, string> metadata)
    {
        if (stage.Length == 0 || stage.IndexOfAny([.. Path.GetInvalidFileNameChars(), '-']) >= 0)
            throw new ArgumentException($"stage name '{stage}' must be a plain name without '-'", nameof(stage));
        // Counted from directory names, not manifests, so a damaged newest checkpoint is never overwritten.
        var sequence = CandidateDirectories()
            .Select(d => long.TryParse(Path.GetFileName(d).Split('-')[0], out var n) ? n : 0)
            .DefaultIfEmpty(0).Max() + 1;
        var temp = Path.Combine(_root, $".incomplete-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            var entries = new List<CheckpointFile>(files.Count);
            foreach (var (name, content) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                if (name == ManifestName || name != Path.GetFileName(name) || name.Length == 0)
                    throw new ArgumentException($"checkpoint file name '{name}' is not allowed", nameof(files));
                using (var stream = new FileStream(Path.Combine(temp, name), FileMode.CreateNew, FileAccess.Write))
                {
                    stream.Write(content.Span);
                    stream.Flush(flushToDisk: true);
                }
                entries.Add(new CheckpointFile(name, content.Length, Convert.ToHexStringLower(SHA256.HashData(content.Span))));
            }
            var manifest = new CheckpointManifest(sequence, stage, step, stageCompleted, DateTimeOffset.UtcNow, entries,
                new SortedDictionary<string, string>(metadata.ToDictionary(), StringComparer.Ordinal));
            AtomicFile.WriteAllText(Path.Combine(temp, ManifestName), JsonSerializer.Serialize(manifest, Json));
            Directory.Move(temp, Path.Combine(_root, DirectoryName(manifest)));
            Prune();
            return manifest;
        }
        finally
        {
            if (Directory.Exists(temp))
                Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>The newest checkpoint whose files all match their manifest, or null when there is none.</summary>
    /// <param name="rejected">Checkpoints passed over because they did not verify, with the reason.</param>
    public CheckpointManifest? LoadLatest(out IReadOnlyList<string> rejected)
    {
        var problems = new List<string>();
        CheckpointManifest? found = null;
        foreach (var dir in CandidateDirectories().Reverse())
        {
            try
            {
                found = Verify(dir);
                break;
            }
            catch (CheckpointException e)
            {
                problems.Add(e.Message);
            }
        }
        rejected = problems;
        return found;
    }

    /// <summary>Reads one file of a checkpoint, checking its size and digest against the manifest.</summary>
    /// <exception cref="CheckpointException">The file is missing or does not match.</exception>
    public byte[] Read(CheckpointManifest manifest, string name)
    {
        var entry = manifest.Files.FirstOrDefault(f => f.Name == name)
            ?? throw new CheckpointException($"checkpoint {DirectoryName(manifest)} has no file '{name}'");
        var path = Path.Combine(_root, DirectoryName(manifest), name);
        if (!File.Exists(path))
            throw new CheckpointException($"checkpoint file '{path}' is missing");
        var bytes = File.ReadAllBytes(path);
        if (bytes.LongLength != entry.Bytes || Convert.ToHexStringLower(SHA256.HashData(bytes)) != entry.Sha256)
            throw new CheckpointException($"checkpoint file '{path}' does not match its manifest (size or sha256 differ)");
        return bytes;
    }

    /// <summary>Whether the store holds any checkpoint directory, usable or not (incomplete writes do not count).</summary>
    public bool HasAny => CandidateDirectories().Any();

    /// <summary>Manifests of all complete checkpoints, oldest first (content not verified).</summary>
    public IReadOnlyList<CheckpointManifest> ListValid()
    {
        var list = new List<CheckpointManifest>();
        foreach (var dir in CandidateDirectories())
        {
            if (TryReadManifest(dir) is { } m)
                list.Add(m);
        }
        return list;
    }

    private CheckpointManifest Verify(string dir)
    {
        var manifest = TryReadManifest(dir) ?? throw new CheckpointException($"checkpoint '{dir}' has no readable {ManifestName}");
        foreach (var file in manifest.Files)
            Read(manifest, file.Name);
        return manifest;
    }

    private static CheckpointManifest? TryReadManifest(string dir)
    {
        var path = Path.Combine(dir, ManifestName);
        if (!File.Exists(path))
            return null;
        try
        {
            var m = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(path));
            return m is not null && DirectoryName(m) == Path.GetFileName(dir) ? m : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Sequence numbers are zero-padded, so ordinal order of names is the order of writing.
    private IEnumerable<string> CandidateDirectories() =>
        Directory.EnumerateDirectories(_root)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .Order(StringComparer.Ordinal);

    private void Prune()
    {
        var all = CandidateDirectories().ToList();
        foreach (var old in all.Take(Math.Max(0, all.Count - _keep)))
            Directory.Delete(old, recursive: true);
    }

    private static string DirectoryName(CheckpointManifest m) => $"{m.Sequence:D8}-{m.Stage}-{m.Step:D8}";
}
