namespace R2ec.Data.Parquet.Format;

// The footer structures of parquet.thrift, reduced to the fields this codec reads or writes.

internal sealed class SchemaElement
{
    public PhysicalType? Type;
    public int TypeLength;
    public Repetition? RepetitionType;
    public string Name = "";
    public int NumChildren;
    public int? ConvertedType;
    public int Scale;
    public int Precision;
    public int? FieldId;
    public LogicalType? Logical;
}

internal sealed class Statistics
{
    public byte[]? Max;
    public byte[]? Min;
    public long? NullCount;
    public long? DistinctCount;
    public byte[]? MaxValue;
    public byte[]? MinValue;
}

internal sealed class ColumnMetaData
{
    public PhysicalType Type;
    public List<ParquetEncoding> Encodings = [];
    public List<string> PathInSchema = [];
    public ParquetCompression Codec;
    public long NumValues;
    public long TotalUncompressedSize;
    public long TotalCompressedSize;
    public List<KeyValuePair<string, string?>> KeyValueMetadata = [];
    public long DataPageOffset;
    public long? DictionaryPageOffset;
    public Statistics? Statistics;
}

internal sealed class ColumnChunk
{
    public string? FilePath;
    public long FileOffset;
    public ColumnMetaData? MetaData;
    public bool Encrypted;
}

internal sealed class RowGroup
{
    public List<ColumnChunk> Columns = [];
    public long TotalByteSize;
    public long NumRows;
}

internal sealed class FileMetaData
{
    public int Version;
    public List<SchemaElement> Schema = [];
    public long NumRows;
    public List<RowGroup> RowGroups = [];
    public List<KeyValuePair<string, string?>> KeyValueMetadata = [];
    public string? CreatedBy;
    public bool Encrypted;
}

internal sealed class DataPageHeader
{
    public int NumValues;
    public ParquetEncoding Encoding;
    public ParquetEncoding DefinitionLevelEncoding;
    public ParquetEncoding RepetitionLevelEncoding;
}

internal sealed class DataPageHeaderV2
{
    public int NumValues;
    public int NumNulls;
    public int NumRows;
    public ParquetEncoding Encoding;
    public int DefinitionLevelsByteLength;
    public int RepetitionLevelsByteLength;
    public bool IsCompressed = true;
}

internal sealed class DictionaryPageHeader
{
    public int NumValues;
    public ParquetEncoding Encoding;
}

internal sealed class PageHeader
{
    public PageType Type;
    public int UncompressedPageSize;
    public int CompressedPageSize;
    public int? Crc;
    public DataPageHeader? DataPage;
    public DictionaryPageHeader? DictionaryPage;
    public DataPageHeaderV2? DataPageV2;
}
