using R2ec.Shared;

namespace R2ec.Data.Datasets;

/// <summary>
/// A prepared dataset on disk: <c>train</c>, <c>valid</c>, <c>test</c> and <c>items</c> tables and
/// <c>manifest.json</c>. It is written into a hidden sibling folder and renamed into place only when complete, so a
/// crash leaves either the old dataset or the new one, never half of one.
/// </summary>
public static class DatasetFolder
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestName = "manifest.json";

    /// <summary>The tables, in the order they are written.</summary>
    public static readonly string[] Tables = ["train", "valid", "test", "items"];

    /// <summary>
    /// Writes <paramref name="dataset"/> to <paramref name="folder"/>. An existing folder is replaced only when
    /// <paramref name="overwrite"/> is set and it is empty or holds a prepared dataset (a manifest).
    /// </summary>
    /// <returns>The manifest written.</returns>
    /// <exception cref="IOException">The folder exists and may not be replaced.</exception>
    public static DatasetManifest Write(string folder, PreparedDataset dataset, IReadOnlyList<SourceFile> sources,
        PrepareOptions parameters, bool skipBadRows, SyntheticOptions? synthetic, IDatasetTableStore store, bool overwrite)
    {
        var target = Path.GetFullPath(folder);
        CheckReplaceable(target, overwrite);
        var parent = Path.GetDirectoryName(target) ?? throw new IOException($"'{folder}' has no parent folder");
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            var files = new Dictionary<string, OutputFile>(StringComparer.Ordinal);
            foreach (var (name, split) in new[] { ("train", dataset.Train), ("valid", dataset.Valid), ("test", dataset.Test) })
                files[name + store.Extension] = WriteTable(temp, name + store.Extension, split.Count, p => store.WriteSamples(p, split));
            files["items" + store.Extension] = WriteTable(temp, "items" + store.Extension, dataset.Items.Count, p => store.WriteItems(p, dataset.Items));
            var manifest = new DatasetManifest
            {
                Format = dataset.Format,
                Note = dataset.Note,
                CodeVersion = DatasetManifest.CurrentCodeVersion,
                CreatedUtc = DateTimeOffset.UtcNow,
                Sources = sources,
                Parameters = parameters,
                SkipBadRows = skipBadRows,
                Synthetic = synthetic,
                Split = dataset.Split,
                TimeUnit = dataset.HasTimestamps ? "unix-ms" : "event-ordinal",
                Counts = dataset.Counts,
                FirstTime = dataset.FirstTime,
                LastTime = dataset.LastTime,
                Files = files,
            };
            AtomicFile.WriteAllText(Path.Combine(temp, ManifestName), manifest.ToJson());
            Swap(temp, target);
            return manifest;
        }
        finally
        {
            if (Directory.Exists(temp))
                Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>Reads a dataset folder's manifest and tables, checking every table against the manifest's checksum.</summary>
    /// <exception cref="DataFormatException">The manifest is missing or a table does not match it.</exception>
    public static (DatasetManifest Manifest, PreparedDataset Dataset) Read(string folder, IDatasetTableStore store)
    {
        var manifest = DatasetManifest.Load(Path.Combine(folder, ManifestName));
        Verify(folder, manifest);
        string Table(string name) => Path.Combine(folder, name + store.Extension);
        var dataset = new PreparedDataset
        {
            Format = manifest.Format,
            Note = manifest.Note,
            Items = store.ReadItems(Table("items")),
            Train = store.ReadSamples(Table("train")),
            Valid = store.ReadSamples(Table("valid")),
            Test = store.ReadSamples(Table("test")),
            HasTimestamps = manifest.TimeUnit == "unix-ms",
            Split = manifest.Split,
            Counts = manifest.Counts,
            FirstTime = manifest.FirstTime,
            LastTime = manifest.LastTime,
        };
        return (manifest, dataset);
    }

    /// <summary>Fails when a file listed in the manifest is missing or its SHA-256 differs.</summary>
    /// <exception cref="DataFormatException">A file is missing or altered.</exception>
    public static void Verify(string folder, DatasetManifest manifest)
    {
        foreach (var (name, file) in manifest.Files)
        {
            var path = Path.Combine(folder, name);
            if (!File.Exists(path))
                throw new DataFormatException(path, 0, null, "listed in manifest.json but missing");
            var sha = AtomicFile.Sha256Hex(path);
            if (sha != file.Sha256)
                throw new DataFormatException(path, 0, null, $"SHA-256 {sha} differs from manifest.json's {file.Sha256}: the file was altered");
        }
    }

    private static OutputFile WriteTable(string folder, string name, long rows, Action<string> write)
    {
        var path = Path.Combine(folder, name);
        write(path);
        return new OutputFile(rows, new FileInfo(path).Length, AtomicFile.Sha256Hex(path));
    }

    /// <summary>
    /// Fails unless <paramref name="folder"/> may be written: absent, empty, or (with <paramref name="overwrite"/>) a
    /// prepared dataset. <see cref="Write"/> checks it too; callers check early to fail before long work.
    /// </summary>
    /// <exception cref="IOException">The folder may not be written.</exception>
    public static void CheckReplaceable(string folder, bool overwrite)
    {
        var target = Path.GetFullPath(folder);
        if (File.Exists(target))
            throw new IOException($"'{target}' is a file, not a dataset folder");
        if (!Directory.Exists(target) || !Directory.EnumerateFileSystemEntries(target).Any())
            return;
        if (!File.Exists(Path.Combine(target, ManifestName)))
            throw new IOException($"'{target}' exists and is not a prepared dataset (no {ManifestName}); refusing to replace it");
        if (!overwrite)
            throw new IOException($"'{target}' already holds a dataset; pass --force to replace it");
    }

    /// <summary>Moves the complete new folder into place; an old dataset is moved aside first and deleted after.</summary>
    private static void Swap(string temp, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(temp, target);
            return;
        }
        var old = temp[..^".tmp".Length] + ".old";
        Directory.Move(target, old);
        Directory.Move(temp, target);
        Directory.Delete(old, recursive: true);
    }
}
