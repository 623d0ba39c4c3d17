namespace R2ec.Data.Parquet;

/// <summary>Page compression codecs <see cref="ParquetFileWriter"/> writes.</summary>
public enum ParquetCompression
{
    /// <summary>No compression.</summary>
    Uncompressed,
    /// <summary>Snappy (the default).</summary>
    Snappy,
    /// <summary>Gzip.</summary>
    Gzip,
    /// <summary>Zstandard.</summary>
    Zstd,
    /// <summary>LZ4 raw blocks (LZ4_RAW).</summary>
    Lz4Raw,
    /// <summary>Brotli.</summary>
    Brotli,
}

/// <summary>How <see cref="ParquetFileWriter"/> lays out and compresses a file.</summary>
public sealed record ParquetWriteOptions
{
    /// <summary>Page compression (default Snappy).</summary>
    public ParquetCompression Compression { get; init; } = ParquetCompression.Snappy;

    /// <summary>Most rows per row group (default 1 Mi); a table with more rows is split into several.</summary>
    public int MaxRowGroupRows { get; init; } = 1 << 20;

    /// <summary>The defaults.</summary>
    public static ParquetWriteOptions Default { get; } = new();
}
