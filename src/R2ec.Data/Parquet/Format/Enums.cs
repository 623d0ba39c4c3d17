namespace R2ec.Data.Parquet;

/// <summary>Physical storage types of the Parquet format (parquet.thrift <c>Type</c>).</summary>
public enum PhysicalType
{
    /// <summary>One bit per value.</summary>
    Boolean = 0,
    /// <summary>32-bit signed integer.</summary>
    Int32 = 1,
    /// <summary>64-bit signed integer.</summary>
    Int64 = 2,
    /// <summary>Deprecated 12-byte timestamp (nanoseconds of day, Julian day).</summary>
    Int96 = 3,
    /// <summary>IEEE 32-bit float.</summary>
    Float = 4,
    /// <summary>IEEE 64-bit float.</summary>
    Double = 5,
    /// <summary>Variable-length bytes.</summary>
    ByteArray = 6,
    /// <summary>Bytes of a length fixed by the schema.</summary>
    FixedLenByteArray = 7,
}

/// <summary>How often a schema field occurs in its parent.</summary>
public enum Repetition
{
    /// <summary>Exactly once.</summary>
    Required = 0,
    /// <summary>Zero or one time (nullable).</summary>
    Optional = 1,
    /// <summary>Zero or more times.</summary>
    Repeated = 2,
}

/// <summary>Compression codecs (parquet.thrift <c>CompressionCodec</c>).</summary>
public enum ParquetCompression
{
    /// <summary>No compression.</summary>
    Uncompressed = 0,
    /// <summary>Snappy (the writer's default).</summary>
    Snappy = 1,
    /// <summary>Gzip (deflate with gzip framing).</summary>
    Gzip = 2,
    /// <summary>LZO: not supported.</summary>
    Lzo = 3,
    /// <summary>Brotli.</summary>
    Brotli = 4,
    /// <summary>LZ4 with Hadoop block framing (or, in old files, a raw block).</summary>
    Lz4 = 5,
    /// <summary>Zstandard.</summary>
    Zstd = 6,
    /// <summary>A raw LZ4 block.</summary>
    Lz4Raw = 7,
}

/// <summary>Value and level encodings (parquet.thrift <c>Encoding</c>).</summary>
public enum ParquetEncoding
{
    /// <summary>Values stored back to back.</summary>
    Plain = 0,
    /// <summary>Dictionary indices (old name of <see cref="RleDictionary"/>).</summary>
    PlainDictionary = 2,
    /// <summary>RLE / bit-packed hybrid.</summary>
    Rle = 3,
    /// <summary>Deprecated bit packing (levels only).</summary>
    BitPacked = 4,
    /// <summary>Delta encoding of integers.</summary>
    DeltaBinaryPacked = 5,
    /// <summary>Delta-encoded lengths then the bytes.</summary>
    DeltaLengthByteArray = 6,
    /// <summary>Incremental (prefix) encoding of byte arrays.</summary>
    DeltaByteArray = 7,
    /// <summary>Dictionary indices, RLE / bit-packed.</summary>
    RleDictionary = 8,
    /// <summary>Bytes of each value split into one stream per byte position.</summary>
    ByteStreamSplit = 9,
}

/// <summary>Parquet page kinds (parquet.thrift <c>PageType</c>).</summary>
internal enum PageType
{
    DataPage = 0,
    IndexPage = 1,
    DictionaryPage = 2,
    DataPageV2 = 3,
}

/// <summary>Units of TIME and TIMESTAMP values.</summary>
public enum TimeUnit
{
    /// <summary>Milliseconds.</summary>
    Millis,
    /// <summary>Microseconds.</summary>
    Micros,
    /// <summary>Nanoseconds.</summary>
    Nanos,
}

/// <summary>The annotation a schema field carries: a logical type, or the legacy converted type mapped onto one.</summary>
public enum LogicalKind
{
    /// <summary>No annotation: the physical type as is.</summary>
    None,
    /// <summary>UTF-8 text.</summary>
    String,
    /// <summary>UTF-8 enum symbol.</summary>
    Enum,
    /// <summary>UTF-8 JSON text.</summary>
    Json,
    /// <summary>BSON bytes.</summary>
    Bson,
    /// <summary>16-byte UUID.</summary>
    Uuid,
    /// <summary>Days since 1970-01-01.</summary>
    Date,
    /// <summary>Time of day.</summary>
    Time,
    /// <summary>Instant or local date-time.</summary>
    Timestamp,
    /// <summary>Decimal with scale and precision.</summary>
    Decimal,
    /// <summary>Integer of a bit width and signedness.</summary>
    Integer,
    /// <summary>List group.</summary>
    List,
    /// <summary>Map group.</summary>
    Map,
    /// <summary>Legacy MAP_KEY_VALUE annotation of a map's repeated group.</summary>
    MapKeyValue,
    /// <summary>IEEE half float on FIXED_LEN_BYTE_ARRAY(2).</summary>
    Float16,
    /// <summary>Always-null column.</summary>
    Unknown,
    /// <summary>Legacy INTERVAL (12 bytes).</summary>
    Interval,
    /// <summary>A logical type this reader does not know; the physical value is returned.</summary>
    Unrecognized,
}

/// <summary>A field's annotation with its parameters (unit, UTC flag, scale, precision, bit width, signedness).</summary>
/// <param name="Kind">Which annotation.</param>
/// <param name="Unit">Unit of TIME/TIMESTAMP.</param>
/// <param name="IsAdjustedToUtc">Whether a TIME/TIMESTAMP is an instant in UTC.</param>
/// <param name="Scale">Decimal scale.</param>
/// <param name="Precision">Decimal precision.</param>
/// <param name="BitWidth">Integer bit width (8, 16, 32, 64).</param>
/// <param name="IsSigned">Integer signedness.</param>
public sealed record LogicalType(
    LogicalKind Kind,
    TimeUnit Unit = TimeUnit.Micros,
    bool IsAdjustedToUtc = false,
    int Scale = 0,
    int Precision = 0,
    int BitWidth = 0,
    bool IsSigned = true)
{
    /// <summary>No annotation.</summary>
    public static LogicalType None { get; } = new(LogicalKind.None);

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        LogicalKind.Time or LogicalKind.Timestamp => $"{Kind}({Unit}, utc={IsAdjustedToUtc})",
        LogicalKind.Decimal => $"Decimal({Precision},{Scale})",
        LogicalKind.Integer => $"Int({BitWidth},{(IsSigned ? "signed" : "unsigned")})",
        _ => Kind.ToString(),
    };
}
