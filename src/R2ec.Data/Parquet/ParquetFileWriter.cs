using System.Buffers.Binary;
using R2ec.Data.Parquet.Format;
using R2ec.Data.Parquet.Writing;

namespace R2ec.Data.Parquet;

/// <summary>
/// Writes a Parquet file of flat and list columns (see <see cref="ParquetColumnSpec"/>), one row group per
/// <see cref="WriteRowGroup(ParquetTable)"/> call. The file is written under a temporary name beside the target and renamed into
/// place by <see cref="Complete"/>, so readers never see a half-written file; disposing without completing deletes it.
/// </summary>
public sealed class ParquetFileWriter : IDisposable
{
    /// <summary>The <c>created_by</c> string written into the footer.</summary>
    public const string CreatedBy = "R2ec.Data.Parquet version 0.1.0";

    private readonly string _path;
    private readonly string _tempPath;
    private readonly FileStream _stream;
    private readonly IReadOnlyList<ParquetColumnSpec> _columns;
    private readonly ParquetWriteOptions _options;
    private readonly Dictionary<string, string> _metadata;
    private readonly List<RowGroup> _rowGroups = [];
    private bool _completed;

    /// <summary>Starts a file with these columns; key-value metadata may also be added until <see cref="Complete"/>.</summary>
    public ParquetFileWriter(string path, IReadOnlyList<ParquetColumnSpec> columns, ParquetWriteOptions? options = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        _options = options ?? ParquetWriteOptions.Default;
        if (_options.Compression is ParquetCompression.Lzo or ParquetCompression.Lz4)
            throw new ParquetException($"the writer does not write {_options.Compression} (use Lz4Raw for LZ4)");
        if (columns.Count == 0)
            throw new ParquetException("a Parquet file needs at least one column");
        foreach (var c in columns) WriterSchema.Physical(c);
        if (columns.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != columns.Count)
            throw new ParquetException("column names must be unique");
        _columns = columns;
        _metadata = metadata?.ToDictionary() ?? [];
        _path = Path.GetFullPath(path);
        _tempPath = Path.Combine(Path.GetDirectoryName(_path)!, $".{Path.GetFileName(_path)}.{Guid.NewGuid():N}.tmp");
        _stream = new FileStream(_tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        _stream.Write("PAR1"u8);
    }

    /// <summary>Writes a whole table to <paramref name="path"/>, split into row groups of about <see cref="ParquetWriteOptions.RowGroupTargetBytes"/>.</summary>
    public static void Write(string path, ParquetTable table, ParquetWriteOptions? options = null)
    {
        options ??= ParquetWriteOptions.Default;
        using var writer = new ParquetFileWriter(path, table.Columns.Select(c => c.Spec).ToList(), options, table.Metadata);
        var rowsPerGroup = RowsPerGroup(table, options);
        for (var start = 0; start < table.RowCount; start += rowsPerGroup)
            writer.WriteRowGroup(table, start, Math.Min(rowsPerGroup, table.RowCount - start));
        if (table.RowCount == 0)
            writer.WriteRowGroup(table, 0, 0);
        writer.Complete();
    }

    private static int RowsPerGroup(ParquetTable table, ParquetWriteOptions options)
    {
        var sample = Math.Min(table.RowCount, 1000);
        long bytes = 0;
        foreach (var c in table.Columns)
        {
            var shredded = ColumnShredder.Shred(c, 0, sample);
            bytes += shredded.Values.PlainSize(0, shredded.Values.Count) + shredded.Entries;
        }
        var perRow = Math.Max(1.0, (double)bytes / Math.Max(1, sample));
        var rows = (long)Math.Max(1, options.RowGroupTargetBytes / perRow);
        if (options.MaxRowGroupRows > 0) rows = Math.Min(rows, options.MaxRowGroupRows);
        return (int)Math.Clamp(rows, 1, Math.Max(1, table.RowCount));
    }

    /// <summary>Sets (or replaces) a footer key-value entry.</summary>
    public void SetMetadata(string key, string value) => _metadata[key] = value;

    /// <summary>Writes rows [start, start + count) of a table with the writer's columns as one row group.</summary>
    public void WriteRowGroup(ParquetTable table, int start, int count)
    {
        if (_completed) throw new ParquetException("the writer is already complete");
        if (start < 0 || count < 0 || start + count > table.RowCount)
            throw new ParquetException($"rows {start}..{start + count} lie outside the table's {table.RowCount} rows");
        var group = new RowGroup { NumRows = count };
        foreach (var spec in _columns)
        {
            var column = table.Column(spec.Name);
            if (column.Spec != spec)
                throw new ParquetException($"column '{spec.Name}' is {column.Spec} in the table but {spec} in the writer");
            var shredded = ColumnShredder.Shred(column, start, count);
            var chunk = ColumnChunkWriter.Write(_stream, shredded, _options);
            group.Columns.Add(chunk);
            group.TotalByteSize += chunk.MetaData!.TotalUncompressedSize;
        }
        _rowGroups.Add(group);
    }

    /// <summary>Writes a whole table as one row group.</summary>
    public void WriteRowGroup(ParquetTable table) => WriteRowGroup(table, 0, table.RowCount);

    /// <summary>Writes the footer, flushes to disk and moves the file into place.</summary>
    public void Complete()
    {
        if (_completed) return;
        var meta = new FileMetaData
        {
            Version = 2,
            Schema = BuildSchema(),
            NumRows = _rowGroups.Sum(g => g.NumRows),
            RowGroups = _rowGroups,
            KeyValueMetadata = _metadata.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)).ToList(),
            CreatedBy = CreatedBy,
        };
        var footer = MetadataWriter.Write(meta);
        _stream.Write(footer);
        Span<byte> tail = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tail, footer.Length);
        "PAR1"u8.CopyTo(tail[4..]);
        _stream.Write(tail);
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_tempPath, _path, overwrite: true);
        _completed = true;
    }

    private List<SchemaElement> BuildSchema()
    {
        var elements = new List<SchemaElement> { new() { Name = "schema", NumChildren = _columns.Count } };
        foreach (var c in _columns)
        {
            var leaf = Leaf(c);
            if (!c.IsList)
            {
                leaf.Name = c.Name;
                leaf.RepetitionType = c.Nullable ? Repetition.Optional : Repetition.Required;
                elements.Add(leaf);
                continue;
            }
            elements.Add(new SchemaElement
            {
                Name = c.Name,
                RepetitionType = c.Nullable ? Repetition.Optional : Repetition.Required,
                NumChildren = 1,
                ConvertedType = 3,
                Logical = new LogicalType(LogicalKind.List),
            });
            elements.Add(new SchemaElement { Name = "list", RepetitionType = Repetition.Repeated, NumChildren = 1 });
            leaf.Name = "element";
            leaf.RepetitionType = c.ElementNullable ? Repetition.Optional : Repetition.Required;
            elements.Add(leaf);
        }
        return elements;
    }

    private static SchemaElement Leaf(ParquetColumnSpec c)
    {
        var e = new SchemaElement { Type = WriterSchema.Physical(c) };
        if (c.Type == ParquetValueType.String)
        {
            e.ConvertedType = 0;
            e.Logical = new LogicalType(LogicalKind.String);
        }
        else if (c.Type == ParquetValueType.Timestamp)
        {
            e.ConvertedType = 10;
            e.Logical = new LogicalType(LogicalKind.Timestamp, TimeUnit.Micros, IsAdjustedToUtc: true);
        }
        return e;
    }

    /// <summary>Closes the file; a file never completed is deleted.</summary>
    public void Dispose()
    {
        if (_completed) return;
        _stream.Dispose();
        try
        {
            File.Delete(_tempPath);
        }
        catch (IOException)
        {
            // The temporary file is left behind; the target was never touched.
        }
        _completed = true;
    }
}
