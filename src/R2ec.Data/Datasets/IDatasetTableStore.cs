namespace R2ec.Data.Datasets;

/// <summary>
/// Encodes the tables of a dataset folder (train, valid, test samples and items) in one file format. The folder
/// logic (atomic replace, manifest, checksums) is independent of it; the Parquet codec is the one the CLI uses.
/// </summary>
public interface IDatasetTableStore
{
    /// <summary>The table files' extension, with its dot (<c>.parquet</c>).</summary>
    string Extension { get; }

    /// <summary>Writes samples to a new file.</summary>
    void WriteSamples(string path, IReadOnlyList<Sample> samples);

    /// <summary>Writes items to a new file.</summary>
    void WriteItems(string path, IReadOnlyList<ItemRecord> items);

    /// <summary>Reads the samples of a file written by <see cref="WriteSamples"/>.</summary>
    IReadOnlyList<Sample> ReadSamples(string path);

    /// <summary>Reads the items of a file written by <see cref="WriteItems"/>.</summary>
    IReadOnlyList<ItemRecord> ReadItems(string path);
}
