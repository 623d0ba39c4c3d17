namespace R2ec.Data.Parquet;

/// <summary>How <see cref="ParquetFileWriter"/> lays out and compresses a file.</summary>
public sealed record ParquetWriteOptions
{
    /// <summary>Page compression: Snappy (default), Gzip, Zstd, Lz4Raw, Brotli or Uncompressed.</summary>
    public ParquetCompression Compression { get; init; } = ParquetCompression.Snappy;

    /// <summary>Codec level for Gzip (1 = fastest), Zstd and Brotli; 0 picks the codec's default.</summary>
    public int CompressionLevel { get; init; }

    /// <summary>Target uncompressed size of a row group when <see cref="ParquetFileWriter.Write"/> splits a table (default 128 MiB).</summary>
    public long RowGroupTargetBytes { get; init; } = 128L << 20;

    /// <summary>Most rows per row group when splitting a table; 0 means no limit besides <see cref="RowGroupTargetBytes"/>.</summary>
    public int MaxRowGroupRows { get; init; }

    /// <summary>Target uncompressed size of a data page (default 1 MiB).</summary>
    public int PageTargetBytes { get; init; } = 1 << 20;

    /// <summary>Whether columns are dictionary-encoded where the dictionary stays small (default true).</summary>
    public bool Dictionary { get; init; } = true;

    /// <summary>Largest PLAIN size of a column chunk's dictionary before the chunk falls back to PLAIN (default 1 MiB).</summary>
    public int MaxDictionaryBytes { get; init; } = 1 << 20;

    /// <summary>Whether data pages are written as DATA_PAGE_V2 (default false: v1, which every reader understands).</summary>
    public bool DataPageV2 { get; init; }

    /// <summary>Whether column statistics (min, max, null count) are written (default true).</summary>
    public bool Statistics { get; init; } = true;

    /// <summary>The defaults.</summary>
    public static ParquetWriteOptions Default { get; } = new();
}
