using System.Buffers.Binary;
using R2ec.Data.Parquet.Format;
using R2ec.Data.Parquet.Reading;

namespace R2ec.Data.Parquet;

/// <summary>Per-column facts of one row group, from the footer (for inspection tools).</summary>
/// <param name="Path">Leaf column path.</param>
/// <param name="PhysicalType">Physical type.</param>
/// <param name="Codec">Compression codec.</param>
/// <param name="Encodings">Encodings the chunk says it uses.</param>
/// <param name="NumValues">Values including nulls.</param>
/// <param name="CompressedBytes">Bytes on disk.</param>
/// <param name="UncompressedBytes">Bytes after decompression.</param>
/// <param name="NullCount">Null count from the statistics, when stored.</param>
/// <param name="Min">Minimum from the statistics, decoded for display, when stored.</param>
/// <param name="Max">Maximum from the statistics, decoded for display, when stored.</param>
public sealed record ParquetColumnChunkInfo(
    string Path, PhysicalType PhysicalType, ParquetCompression Codec, IReadOnlyList<ParquetEncoding> Encodings,
    long NumValues, long CompressedBytes, long UncompressedBytes, long? NullCount, string? Min, string? Max);

/// <summary>
/// Reads a Parquet file. Only the footer is read on open; each row group's column chunks are read when asked for, so
/// files larger than memory are processed one row group at a time (<see cref="ReadRowGroups"/>, <see cref="ReadRows"/>).
/// Every failure — a malformed file, a feature this reader does not support — is a <see cref="ParquetException"/>
/// naming the file, the row group and the column.
/// </summary>
public sealed class ParquetFileReader : IDisposable
{
    private readonly ByteSource _source;
    private readonly FileMetaData _meta;
    private readonly long _dataEnd;
    private readonly string _name;

    private ParquetFileReader(ByteSource source, FileMetaData meta, long dataEnd, string name, ParquetReadOptions options)
    {
        _source = source;
        _meta = meta;
        _dataEnd = dataEnd;
        _name = name;
        Options = options;
        Schema = ParquetSchema.Build(meta.Schema, name);
        var metadata = new Dictionary<string, string?>();
        foreach (var kv in meta.KeyValueMetadata) metadata[kv.Key] = kv.Value;
        Metadata = metadata;
        foreach (var g in meta.RowGroups)
        {
            if (g.NumRows < 0 || g.NumRows > int.MaxValue)
                throw new ParquetException($"'{name}': row group claims {g.NumRows} rows");
        }
    }

    /// <summary>Opens a file and reads its footer.</summary>
    public static ParquetFileReader Open(string path, ParquetReadOptions? options = null) =>
        Open(ByteSource.Open(path), Path.GetFileName(path), options);

    /// <summary>Reads a file held in memory; <paramref name="name"/> is used in error messages.</summary>
    public static ParquetFileReader Open(byte[] data, string name, ParquetReadOptions? options = null) =>
        Open(new ByteSource.Memory(data), name, options);

    private static ParquetFileReader Open(ByteSource source, string name, ParquetReadOptions? options)
    {
        try
        {
            var length = source.Length;
            if (length < 12)
                throw new ParquetException($"'{name}' is {length} bytes, too short for a Parquet file");
            Span<byte> tail = stackalloc byte[8];
            source.ReadExactly(length - 8, tail, name);
            var magic = tail[4..];
            if (magic.SequenceEqual("PARE"u8))
                throw new ParquetException($"'{name}' has an encrypted footer; Parquet modular encryption is not supported");
            if (!magic.SequenceEqual("PAR1"u8))
                throw new ParquetException($"'{name}' does not end with the Parquet magic 'PAR1'");
            Span<byte> head = stackalloc byte[4];
            source.ReadExactly(0, head, name);
            if (!head.SequenceEqual("PAR1"u8))
                throw new ParquetException($"'{name}' does not start with the Parquet magic 'PAR1'");
            var footerLength = BinaryPrimitives.ReadUInt32LittleEndian(tail);
            if (footerLength > length - 12)
                throw new ParquetException($"'{name}': footer length {footerLength} exceeds the file's {length} bytes");
            var footer = new byte[footerLength];
            source.ReadExactly(length - 8 - footerLength, footer, name);
            var meta = MetadataReader.ReadFileMetaData(footer, name);
            if (meta.Encrypted)
                throw new ParquetException($"'{name}' uses Parquet modular encryption (plaintext footer), which is not supported");
            return new ParquetFileReader(source, meta, length - 8 - footerLength, name, options ?? ParquetReadOptions.Default);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>The limits in force.</summary>
    public ParquetReadOptions Options { get; }

    /// <summary>The schema.</summary>
    public ParquetSchema Schema { get; }

    /// <summary>Footer key-value metadata (a key may have no value).</summary>
    public IReadOnlyDictionary<string, string?> Metadata { get; }

    /// <summary>The writer that made the file, as it names itself.</summary>
    public string? CreatedBy => _meta.CreatedBy;

    /// <summary>Format version in the footer.</summary>
    public int FormatVersion => _meta.Version;

    /// <summary>Number of row groups.</summary>
    public int RowGroupCount => _meta.RowGroups.Count;

    /// <summary>Rows in all row groups (counted from the row groups, which some writers fill in when the file total is 0).</summary>
    public long RowCount => _meta.RowGroups.Sum(g => g.NumRows);

    /// <summary>Rows in one row group.</summary>
    public int RowGroupRows(int index) => (int)RowGroupAt(index).NumRows;

    /// <summary>Footer facts of every column chunk in a row group.</summary>
    public IReadOnlyList<ParquetColumnChunkInfo> RowGroupColumns(int index)
    {
        var g = RowGroupAt(index);
        var result = new List<ParquetColumnChunkInfo>();
        foreach (var leaf in Schema.Leaves)
        {
            var m = leaf.Index < g.Columns.Count ? g.Columns[leaf.Index].MetaData : null;
            if (m is null)
            {
                result.Add(new(leaf.Path, leaf.PhysicalType, ParquetCompression.Uncompressed, [], 0, 0, 0, null, null, null));
                continue;
            }
            var s = m.Statistics;
            result.Add(new(leaf.Path, m.Type, m.Codec, m.Encodings, m.NumValues, m.TotalCompressedSize, m.TotalUncompressedSize,
                s?.NullCount, StatisticsText.Format(leaf, s?.MinValue ?? s?.Min), StatisticsText.Format(leaf, s?.MaxValue ?? s?.Max)));
        }
        return result;
    }

    private RowGroup RowGroupAt(int index) =>
        (uint)index < (uint)_meta.RowGroups.Count
            ? _meta.RowGroups[index]
            : throw new ParquetException($"'{_name}' has {_meta.RowGroups.Count} row groups; there is no row group {index}");

    private IReadOnlyList<ParquetField> Project(IReadOnlyList<string>? columns) =>
        columns is null ? Schema.Fields : columns.Select(Schema.Field).ToList();

    /// <summary>The decoded levels and values of one leaf column chunk (for tests and tools that count nulls).</summary>
    internal LeafChunk ReadLeafChunk(int groupIndex, int leafIndex)
    {
        RowGroupAt(groupIndex);
        return ReadLeaf(groupIndex, Schema.Leaves[leafIndex]);
    }

    private LeafChunk ReadLeaf(int groupIndex, ParquetLeaf leaf)
    {
        try
        {
            return ColumnChunkReader.Read(_source, _dataEnd, _name, _meta.RowGroups[groupIndex], groupIndex, leaf, Options);
        }
        catch (Exception e) when (e is not ParquetException and not OutOfMemoryException)
        {
            // A decoder bug must never surface as garbage or a crash; it is reported like any corrupt file.
            throw new ParquetException($"'{_name}' row group {groupIndex} column '{leaf.Path}': {e.GetType().Name}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads one row group as a typed table (flat columns and lists of primitives; see <see cref="ParquetColumnSpec"/>),
    /// optionally only the named top-level columns. Structs, maps and nested lists fail with a message pointing to <see cref="ReadRows"/>.
    /// </summary>
    public ParquetTable ReadRowGroup(int index, IReadOnlyList<string>? columns = null)
    {
        var g = RowGroupAt(index);
        var rows = (int)g.NumRows;
        var result = new List<ParquetColumn>();
        foreach (var field in Project(columns))
        {
            var shape = TableAssembler.Shape(field)
                ?? throw new ParquetException($"'{_name}' column '{field.Name}' is a struct, map or nested list; read it with ReadRows");
            var chunk = ReadLeaf(index, shape.Leaf);
            var what = $"'{_name}' row group {index} column '{field.Name}'";
            try
            {
                result.Add(new ParquetColumn(shape.Spec, TableAssembler.Build(shape.Spec, shape.Repeated, chunk, rows, what)));
            }
            catch (Exception e) when (e is not ParquetException and not OutOfMemoryException)
            {
                throw new ParquetException($"{what}: {e.GetType().Name}: {e.Message}", e);
            }
        }
        return new ParquetTable(result, StringMetadata());
    }

    /// <summary>Reads the row groups one after another (streaming: one row group in memory at a time).</summary>
    public IEnumerable<ParquetTable> ReadRowGroups(IReadOnlyList<string>? columns = null)
    {
        for (var i = 0; i < RowGroupCount; i++)
            yield return ReadRowGroup(i, columns);
    }

    /// <summary>Reads the whole file into one table (all row groups concatenated).</summary>
    public ParquetTable ReadTable(IReadOnlyList<string>? columns = null)
    {
        var parts = ReadRowGroups(columns).ToList();
        if (parts.Count == 1) return parts[0];
        var specs = Project(columns).Select(f => TableAssembler.Shape(f)?.Spec
            ?? throw new ParquetException($"'{_name}' column '{f.Name}' is a struct, map or nested list; read it with ReadRows")).ToList();
        var total = parts.Sum(p => (long)p.RowCount);
        if (total > Array.MaxLength)
            throw new ParquetException($"'{_name}' has {total} rows, more than one table holds; use ReadRowGroups");
        var cols = new List<ParquetColumn>();
        for (var c = 0; c < specs.Count; c++)
        {
            var data = Array.CreateInstance(specs[c].DataClrType.GetElementType()!, (int)total);
            var at = 0;
            foreach (var p in parts)
            {
                Array.Copy(p.Columns[c].Data, 0, data, at, p.RowCount);
                at += p.RowCount;
            }
            cols.Add(new ParquetColumn(specs[c], data));
        }
        return new ParquetTable(cols, StringMetadata());
    }

    /// <summary>
    /// Reads records of any nesting, one row group in memory at a time. Each row holds one value per projected top-level
    /// field: scalars (see <see cref="ParquetValueType"/> for the CLR types), lists as <c>List&lt;object?&gt;</c>, structs as
    /// <c>Dictionary&lt;string, object?&gt;</c> and maps as <c>List&lt;KeyValuePair&lt;object?, object?&gt;&gt;</c>.
    /// </summary>
    public IEnumerable<object?[]> ReadRows(IReadOnlyList<string>? columns = null)
    {
        var fields = Project(columns);
        for (var g = 0; g < RowGroupCount; g++)
        {
            var rows = (int)_meta.RowGroups[g].NumRows;
            var perField = new object?[fields.Count][];
            for (var f = 0; f < fields.Count; f++)
            {
                var field = fields[f];
                var chunks = Enumerable.Range(field.FirstLeaf, field.LeafCount).Select(l => ReadLeaf(g, Schema.Leaves[l])).ToList();
                var what = $"'{_name}' row group {g}";
                try
                {
                    perField[f] = RecordAssembler.AssembleField(field, chunks, rows, what);
                }
                catch (Exception e) when (e is not ParquetException and not OutOfMemoryException)
                {
                    throw new ParquetException($"{what} column '{field.Name}': {e.GetType().Name}: {e.Message}", e);
                }
            }
            for (var r = 0; r < rows; r++)
            {
                var row = new object?[fields.Count];
                for (var f = 0; f < fields.Count; f++) row[f] = perField[f][r];
                yield return row;
            }
        }
    }

    private Dictionary<string, string> StringMetadata() =>
        Metadata.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!);

    /// <inheritdoc />
    public void Dispose() => _source.Dispose();
}
