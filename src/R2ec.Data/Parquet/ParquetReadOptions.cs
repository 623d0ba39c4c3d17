namespace R2ec.Data.Parquet;

/// <summary>
/// Limits and checks of the reader. Every allocation the reader makes is bounded by these limits and by the bytes the
/// file actually holds, so a corrupt or hostile file fails with <see cref="ParquetException"/> instead of exhausting memory.
/// </summary>
public sealed record ParquetReadOptions
{
    /// <summary>Largest uncompressed page accepted (default 512 MiB).</summary>
    public int MaxPageBytes { get; init; } = 512 << 20;

    /// <summary>Most values (level entries) one page may claim (default 64 Mi).</summary>
    public int MaxPageValues { get; init; } = 64 << 20;

    /// <summary>Most values (level entries) one column chunk may hold (default 256 Mi).</summary>
    public long MaxColumnChunkValues { get; init; } = 256 << 20;

    /// <summary>Largest decoded byte-array heap of one column chunk (default ~2 GiB, the .NET array limit).</summary>
    public long MaxColumnChunkBytes { get; init; } = Array.MaxLength;

    /// <summary>Whether page CRCs, where a writer stored them, are verified (default true).</summary>
    public bool VerifyChecksums { get; init; } = true;

    /// <summary>The defaults.</summary>
    public static ParquetReadOptions Default { get; } = new();
}
