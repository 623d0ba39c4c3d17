namespace R2ec.Data.Parquet;

/// <summary>
/// Limits <see cref="ParquetFileReader"/> checks against the footer before any page is read. Parquet.Net sizes its
/// buffers from what the footer and page headers declare; checking the footer's claims against the file's length and
/// these limits first keeps a corrupt or hostile file from making a read allocate gigabytes.
/// </summary>
public sealed record ParquetReadOptions
{
    /// <summary>Largest footer accepted (default 64 MiB).</summary>
    public int MaxFooterBytes { get; init; } = 64 << 20;

    /// <summary>Most rows one row group may declare (default 64 Mi).</summary>
    public long MaxRowGroupRows { get; init; } = 64L << 20;

    /// <summary>Most values (level entries) one column chunk may declare (default 256 Mi).</summary>
    public long MaxColumnChunkValues { get; init; } = 256L << 20;

    /// <summary>Largest uncompressed size one column chunk may declare (default 1 GiB).</summary>
    public long MaxColumnChunkBytes { get; init; } = 1L << 30;

    /// <summary>
    /// Largest ratio of a chunk's declared uncompressed size to its stored size (default 1000, beyond what any codec
    /// reaches on real data): a 4 KB file that decompresses to 2 GB is refused before it is decompressed.
    /// </summary>
    public double MaxCompressionRatio { get; init; } = 1000;

    /// <summary>Largest page header read (default 16 MiB; statistics make headers grow, but not that far).</summary>
    public int MaxPageHeaderBytes { get; init; } = 16 << 20;

    /// <summary>Whether a page whose header carries a CRC-32 is checked against it before it is decoded (default true).</summary>
    public bool VerifyPageChecksums { get; init; } = true;

    /// <summary>The defaults.</summary>
    public static ParquetReadOptions Default { get; } = new();
}
