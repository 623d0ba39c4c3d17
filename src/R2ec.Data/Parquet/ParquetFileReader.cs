using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using PqDataField = Parquet.Schema.DataField;
using PqField = Parquet.Schema.Field;
using PqListField = Parquet.Schema.ListField;
using PqMapField = Parquet.Schema.MapField;
using PqMeta = Parquet.Meta.FileMetaData;
using PqOptions = Parquet.ParquetOptions;
using PqReader = Parquet.ParquetReader;
using PqStructField = Parquet.Schema.StructField;

namespace R2ec.Data.Parquet;

/// <summary>Per-column facts of one row group, from the footer (for inspection tools).</summary>
/// <param name="Path">Leaf column path.</param>
/// <param name="PhysicalType">Physical type in the format's spelling.</param>
/// <param name="Codec">Compression codec in the format's spelling.</param>
/// <param name="Encodings">Encodings the chunk says it uses, in the format's spelling.</param>
/// <param name="NumValues">Values including nulls.</param>
/// <param name="CompressedBytes">Bytes on disk.</param>
/// <param name="UncompressedBytes">Bytes after decompression.</param>
/// <param name="NullCount">Null count from the statistics, when stored.</param>
/// <param name="Min">Minimum from the statistics, decoded for display, when stored.</param>
/// <param name="Max">Maximum from the statistics, decoded for display, when stored.</param>
public sealed record ParquetColumnChunkInfo(
    string Path, string PhysicalType, string Codec, IReadOnlyList<string> Encodings,
    long NumValues, long CompressedBytes, long UncompressedBytes, long? NullCount, string? Min, string? Max);

/// <summary>The decoded values and levels of one leaf column chunk.</summary>
/// <param name="Values">The non-null values, in our CLR types (see <see cref="ParquetValueType"/>).</param>
/// <param name="Definition">Definition levels, one per entry; null when the column has none (every entry is a value).</param>
/// <param name="Repetition">Repetition levels, one per entry; null when the column is not repeated.</param>
public sealed record ParquetLeafChunk(Array Values, int[]? Definition, int[]? Repetition)
{
    /// <summary>Level entries (values plus nulls and empty lists).</summary>
    public int Entries => Definition?.Length ?? Values.Length;

    /// <summary>Records the chunk holds: entries that start a record (repetition level 0).</summary>
    public long Records => Repetition is null ? Entries : Repetition.LongCount(r => r == 0);
}

/// <summary>
/// Reads a Parquet file through Parquet.Net. On open, the footer's claims (footer length, row counts, column chunk
/// offsets, sizes and value counts) are checked against the file's length and <see cref="ParquetReadOptions"/> before
/// any page is read; each row group's columns are read when asked for. Every failure, whatever Parquet.Net threw
/// underneath, is a <see cref="ParquetException"/> naming the file, the row group and the column.
/// </summary>
public sealed class ParquetFileReader : IDisposable
{
    private readonly PqReader _reader;
    private readonly WindowStream _stream;
    private readonly string _name;
    private readonly PqMeta _meta;
    private readonly IReadOnlyList<PqField> _top;

    private ParquetFileReader(PqReader reader, WindowStream stream, string name, ParquetReadOptions options)
    {
        _reader = reader;
        _stream = stream;
        _name = name;
        _meta = reader.Metadata ?? throw new ParquetException($"'{name}': no footer metadata");
        Options = options;
        _top = reader.Schema.Fields.ToList();
        Schema = ParquetSchema.Build(_meta.Schema, reader.Schema.GetDataFields(), _top.Select(f => f.Name).ToList(), name);
        Metadata = _meta.KeyValueMetadata?.ToDictionary(kv => kv.Key, kv => kv.Value) ?? new Dictionary<string, string?>();
    }

    /// <summary>Opens a file and checks its footer.</summary>
    public static ParquetFileReader Open(string path, ParquetReadOptions? options = null)
    {
        var name = Path.GetFileName(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ParquetException($"'{path}' cannot be opened: {e.Message}", e);
        }
        return Open(stream, name, options);
    }

    /// <summary>Reads a file held in memory; <paramref name="name"/> is used in error messages.</summary>
    public static ParquetFileReader Open(byte[] data, string name, ParquetReadOptions? options = null) =>
        Open(new MemoryStream(data, writable: false), name, options);

    private static ParquetFileReader Open(Stream file, string name, ParquetReadOptions? options)
    {
        var stream = new WindowStream(file);
        options ??= ParquetReadOptions.Default;
        try
        {
            var dataEnd = CheckFrame(stream, name, options);
            PqReader reader;
            try
            {
                reader = PqReader.CreateAsync(stream, new PqOptions { UseDateOnlyTypeForDates = true }, leaveStreamOpen: true)
                    .GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is not ParquetException and not OutOfMemoryException)
            {
                throw new ParquetException($"'{name}': footer: {e.GetType().Name}: {e.Message}", e);
            }
            try
            {
                CheckFooter(reader.Metadata!, reader.Schema.GetDataFields(), dataEnd, name, options);
                return new ParquetFileReader(reader, stream, name, options);
            }
            catch (Exception e)
            {
                reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
                if (e is ParquetException or OutOfMemoryException) throw;
                throw new ParquetException($"'{name}': footer: {e.GetType().Name}: {e.Message}", e);
            }
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    // Magic bytes and the footer length, read by us so that Parquet.Net never sizes a buffer from a footer length the file cannot hold.
    private static long CheckFrame(Stream stream, string name, ParquetReadOptions options)
    {
        var length = stream.Length;
        if (length < 12)
            throw new ParquetException($"'{name}' is {length} bytes, too short for a Parquet file");
        Span<byte> tail = stackalloc byte[8];
        stream.Seek(-8, SeekOrigin.End);
        stream.ReadExactly(tail);
        if (tail[4..].SequenceEqual("PARE"u8))
            throw new ParquetException($"'{name}' has an encrypted footer; Parquet modular encryption is not supported");
        if (!tail[4..].SequenceEqual("PAR1"u8))
            throw new ParquetException($"'{name}' does not end with the Parquet magic 'PAR1'");
        Span<byte> head = stackalloc byte[4];
        stream.Seek(0, SeekOrigin.Begin);
        stream.ReadExactly(head);
        if (!head.SequenceEqual("PAR1"u8))
            throw new ParquetException($"'{name}' does not start with the Parquet magic 'PAR1'");
        var footerLength = BinaryPrimitives.ReadUInt32LittleEndian(tail);
        if (footerLength > length - 12)
            throw new ParquetException($"'{name}': footer length {footerLength} exceeds the file's {length} bytes");
        if (footerLength > options.MaxFooterBytes)
            throw new ParquetException($"'{name}': footer of {footerLength} bytes exceeds MaxFooterBytes ({options.MaxFooterBytes})");
        var footer = new byte[footerLength];
        stream.Seek(length - 8 - footerLength, SeekOrigin.Begin);
        stream.ReadExactly(footer);
        try
        {
            var used = ThriftShape.StructLength(footer);
            if (used != footer.Length)
                throw new ParquetException($"'{name}': footer: the Thrift metadata ends at byte {used} of the footer's {footerLength}");
        }
        catch (ThriftShapeException e)
        {
            throw new ParquetException($"'{name}': footer: the Thrift metadata {e.Message}", e);
        }
        stream.Seek(0, SeekOrigin.Begin);
        return length - 8 - footerLength;
    }

    /// <summary>
    /// Checks the page header at <paramref name="offset"/> before Parquet.Net parses it and sizes buffers from it: its
    /// Thrift shape, that its page lies inside the chunk, that the declared uncompressed size is within the limits, and,
    /// where the header carries a CRC-32 and <see cref="ParquetReadOptions.VerifyPageChecksums"/> is set, the page's bytes.
    /// </summary>
    private void CheckPageHeader(Stream file, long offset, long chunkEnd, long chunkValues, string physicalType, bool snappy)
    {
        if (offset < 4 || offset >= chunkEnd)
            throw new ParquetException($"a page at byte {offset} lies outside its column chunk, which ends at byte {chunkEnd}");
        var room = Math.Min(chunkEnd - offset, Options.MaxPageHeaderBytes);
        var fields = new Dictionary<int, int>();
        int headerLength;
        // Headers are small; read more only when the walk runs out of bytes, never past the chunk or the limit.
        for (var size = 256L; ; size *= 8)
        {
            var buffer = new byte[Math.Min(size, room)];
            file.Seek(offset, SeekOrigin.Begin);
            file.ReadExactly(buffer);
            try
            {
                headerLength = ThriftShape.StructLength(buffer, fields);
                break;
            }
            catch (ThriftShapeException e) when (e.Truncated && buffer.Length < room)
            {
                fields.Clear();
            }
            catch (ThriftShapeException e)
            {
                throw new ParquetException($"the page header at byte {offset} {e.Message}", e);
            }
        }
        if (!fields.TryGetValue(ThriftShape.Key(0, 2), out var uncompressed) || !fields.TryGetValue(ThriftShape.Key(0, 3), out var compressed))
            throw new ParquetException($"the page header at byte {offset} has no page sizes");
        var dataStart = offset + headerLength;
        if (compressed < 0 || dataStart + compressed > chunkEnd)
            throw new ParquetException($"the page at byte {offset} declares {compressed} bytes, past its column chunk's end at byte {chunkEnd}");
        if (uncompressed < 0 || uncompressed > Options.MaxColumnChunkBytes || uncompressed > compressed * Options.MaxCompressionRatio + (1 << 20))
            throw new ParquetException($"the page at byte {offset} declares {uncompressed} uncompressed bytes from {compressed} stored " +
                $"(limits MaxColumnChunkBytes {Options.MaxColumnChunkBytes}, MaxCompressionRatio {Options.MaxCompressionRatio})");
        // Parquet.Net sizes value and level buffers from these counts before it decodes: data pages (fields 5 and 8) hold at
        // most the chunk's entries, and a PLAIN dictionary (field 7) at most one entry per width of its type.
        foreach (var (key, what) in new[] { ((short)5, "data page"), ((short)8, "data page v2") })
            if (fields.TryGetValue(ThriftShape.Key(key, 1), out var values) && (values < 0 || values > chunkValues))
                throw new ParquetException($"the {what} at byte {offset} declares {values} values, the column chunk {chunkValues}");
        if (fields.TryGetValue(ThriftShape.Key(7, 1), out var entries))
        {
            var width = physicalType switch { "INT64" or "DOUBLE" => 8, "INT96" => 12, "INT32" or "FLOAT" or "BYTE_ARRAY" => 4, _ => 1 };
            if (entries < 0 || (long)entries * width > uncompressed)
                throw new ParquetException($"the dictionary page at byte {offset} declares {entries} entries of {physicalType} in {uncompressed} bytes");
        }
        // Snappier allocates what a Snappy block's leading length says before it checks anything, so that length must be
        // the page's (a v1 or dictionary page is one Snappy block; a v2 page may store its values uncompressed, so it is left alone).
        if (snappy && !fields.ContainsKey(ThriftShape.Key(8, 1)) && compressed > 0)
        {
            Span<byte> lead = stackalloc byte[5];
            file.Seek(dataStart, SeekOrigin.Begin);
            var got = file.ReadAtLeast(lead[..(int)Math.Min(5, compressed)], 1, throwOnEndOfStream: false);
            ulong declared = 0;
            for (var b = 0; b < got; b++)
            {
                declared |= (ulong)(lead[b] & 0x7f) << (7 * b);
                if ((lead[b] & 0x80) == 0) break;
            }
            if (declared != (ulong)uncompressed)
                throw new ParquetException($"the page at byte {offset} is a Snappy block of {declared} bytes but its header says {uncompressed}");
        }
        if (Options.VerifyPageChecksums && fields.TryGetValue(ThriftShape.Key(0, 4), out var crc))
        {
            var page = new byte[compressed];
            file.Seek(dataStart, SeekOrigin.Begin);
            file.ReadExactly(page);
            var actual = System.IO.Hashing.Crc32.HashToUInt32(page);
            if (actual != unchecked((uint)crc))
                throw new ParquetException($"the page at byte {offset} fails its checksum: CRC-32 {actual:x8}, header says {unchecked((uint)crc):x8}");
        }
    }

    /// <summary>
    /// Checks what the footer declares before a page is read: row counts, and for every column chunk its byte range
    /// (inside the data region, after the leading magic), its declared sizes and value count against the limits.
    /// </summary>
    internal static void CheckFooter(PqMeta meta, IReadOnlyList<PqDataField> leaves, long footerStart, string name, ParquetReadOptions options)
    {
        long total = 0;
        var groups = meta.RowGroups ?? [];
        for (var g = 0; g < groups.Count; g++)
        {
            var group = groups[g];
            var where = $"'{name}' row group {g}";
            if (group.NumRows < 0 || group.NumRows > options.MaxRowGroupRows)
                throw new ParquetException($"{where} declares {group.NumRows} rows (limit MaxRowGroupRows {options.MaxRowGroupRows})");
            total += group.NumRows;
            var columns = group.Columns ?? [];
            if (columns.Count != leaves.Count)
                throw new ParquetException($"{where} has {columns.Count} column chunks but the schema has {leaves.Count} leaf columns");
            for (var c = 0; c < columns.Count; c++)
            {
                var leaf = leaves[c];
                var at = $"{where} column '{string.Join('.', leaf.Path.ToList())}'";
                var m = columns[c].MetaData ?? throw new ParquetException($"{at}: the chunk has no metadata");
                var start = m.DictionaryPageOffset is { } d && d > 0 && d < m.DataPageOffset ? d : m.DataPageOffset;
                // Some writers leave the offsets at 0 for a chunk that starts right after the magic.
                if (start < 0 || m.TotalCompressedSize <= 0 || Math.Max(start, 4) + m.TotalCompressedSize > footerStart)
                    throw new ParquetException($"{at}: the chunk's bytes [{start}, {start + m.TotalCompressedSize}) lie outside the data region [4, {footerStart})");
                if (m.TotalUncompressedSize < 0 || m.TotalUncompressedSize > options.MaxColumnChunkBytes)
                    throw new ParquetException($"{at}: the chunk declares {m.TotalUncompressedSize} uncompressed bytes (limit MaxColumnChunkBytes {options.MaxColumnChunkBytes})");
                if (m.TotalUncompressedSize > m.TotalCompressedSize * options.MaxCompressionRatio + (1 << 20))
                    throw new ParquetException($"{at}: the chunk declares {m.TotalUncompressedSize} uncompressed bytes from {m.TotalCompressedSize} stored (ratio over MaxCompressionRatio {options.MaxCompressionRatio})");
                if (m.NumValues < 0 || m.NumValues > options.MaxColumnChunkValues)
                    throw new ParquetException($"{at}: the chunk declares {m.NumValues} values (limit MaxColumnChunkValues {options.MaxColumnChunkValues})");
                if (leaf.MaxRepetitionLevel == 0 && m.NumValues != group.NumRows)
                    throw new ParquetException($"{at}: the chunk declares {m.NumValues} values for a row group of {group.NumRows} rows");
                if (leaf.MaxRepetitionLevel > 0 && m.NumValues < group.NumRows)
                    throw new ParquetException($"{at}: the chunk declares {m.NumValues} entries, fewer than the row group's {group.NumRows} rows");
            }
        }
        if (meta.NumRows != total)
            throw new ParquetException($"'{name}': the footer declares {meta.NumRows} rows but its row groups hold {total}");
        // A footer that lost its row groups (a corrupt field header makes Parquet.Net skip them) would read as empty.
        if (groups.Count == 0 && footerStart > 4)
            throw new ParquetException($"'{name}': the footer lists no row groups but the file holds {footerStart - 4} bytes of data");
    }

    /// <summary>The limits in force.</summary>
    public ParquetReadOptions Options { get; }

    /// <summary>The schema.</summary>
    public ParquetSchema Schema { get; }

    /// <summary>Footer key-value metadata (a key may have no value).</summary>
    public IReadOnlyDictionary<string, string?> Metadata { get; }

    /// <summary>The writer that made the file, as it names itself.</summary>
    public string? CreatedBy => _meta.CreatedBy;

    /// <summary>Number of row groups.</summary>
    public int RowGroupCount => _meta.RowGroups?.Count ?? 0;

    /// <summary>Rows in all row groups.</summary>
    public long RowCount => _meta.RowGroups?.Sum(g => g.NumRows) ?? 0;

    /// <summary>Rows in one row group.</summary>
    public int RowGroupRows(int index) => (int)RowGroupAt(index).NumRows;

    private global::Parquet.Meta.RowGroup RowGroupAt(int index) =>
        (uint)index < (uint)RowGroupCount
            ? _meta.RowGroups[index]
            : throw new ParquetException($"'{_name}' has {RowGroupCount} row groups; there is no row group {index}");

    /// <summary>Footer facts of every column chunk in a row group.</summary>
    public IReadOnlyList<ParquetColumnChunkInfo> RowGroupColumns(int index)
    {
        var g = RowGroupAt(index);
        return Schema.Leaves.Select(leaf =>
        {
            var m = g.Columns[leaf.Index].MetaData!;
            var s = m.Statistics;
            return new ParquetColumnChunkInfo(leaf.Path, leaf.PhysicalType, m.Codec.ToString(), m.Encodings.Select(e => e.ToString()).ToList(),
                m.NumValues, m.TotalCompressedSize, m.TotalUncompressedSize, s?.NullCount,
                StatisticText(leaf, s?.MinValue ?? s?.Min), StatisticText(leaf, s?.MaxValue ?? s?.Max));
        }).ToList();
    }

    /// <summary>A min or max statistic decoded for display from its PLAIN bytes.</summary>
    private static string? StatisticText(ParquetLeaf leaf, byte[]? b)
    {
        if (b is null) return null;
        var c = CultureInfo.InvariantCulture;
        return leaf.PhysicalType switch
        {
            "BOOLEAN" when b.Length >= 1 => (b[0] != 0).ToString(c),
            "INT32" when b.Length >= 4 => BinaryPrimitives.ReadInt32LittleEndian(b).ToString(c),
            "INT64" when b.Length >= 8 => BinaryPrimitives.ReadInt64LittleEndian(b).ToString(c),
            "FLOAT" when b.Length >= 4 => BinaryPrimitives.ReadSingleLittleEndian(b).ToString("R", c),
            "DOUBLE" when b.Length >= 8 => BinaryPrimitives.ReadDoubleLittleEndian(b).ToString("R", c),
            "BYTE_ARRAY" when leaf.Logical is "String" or "UTF8" or "Enum" or "Json" => Encoding.UTF8.GetString(b),
            _ => Convert.ToHexString(b),
        };
    }

    /// <summary>The decoded values and levels of one leaf column chunk.</summary>
    public ParquetLeafChunk ReadLeafChunk(int groupIndex, int leafIndex)
    {
        RowGroupAt(groupIndex);
        var leaf = Schema.Leaves[leafIndex];
        var at = $"'{_name}' row group {groupIndex} column '{leaf.Path}'";
        try
        {
            using var group = _reader.OpenRowGroupReader(groupIndex);
            var m = RowGroupAt(groupIndex).Columns[leafIndex].MetaData!;
            var start = m.DictionaryPageOffset is { } d && d > 0 && d < m.DataPageOffset ? d : m.DataPageOffset;
            _stream.Arm(Math.Max(start, 4) + m.TotalCompressedSize,
                (file, offset, end) => CheckPageHeader(file, offset, end, m.NumValues, leaf.PhysicalType,
                    m.Codec == global::Parquet.Meta.CompressionCodec.SNAPPY));
            var read = typeof(ParquetFileReader).GetMethod(nameof(ReadTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(leaf.Field.ClrType);
            var chunk = (ParquetLeafChunk)read.Invoke(null, [group, leaf.Field])!;
            var declared = RowGroupAt(groupIndex).Columns[leafIndex].MetaData!.NumValues;
            if (chunk.Entries != declared)
                throw new ParquetException($"{at}: the pages hold {chunk.Entries} entries but the footer declares {declared}");
            if (chunk.Records != RowGroupAt(groupIndex).NumRows)
                throw new ParquetException($"{at}: the pages hold {chunk.Records} records but the row group declares {RowGroupAt(groupIndex).NumRows} rows");
            return chunk;
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is ParquetException inner)
        {
            throw new ParquetException($"{at}: {inner.Message}", inner);
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is { } inner)
        {
            if (inner is OutOfMemoryException) throw inner;
            throw new ParquetException($"{at}: {inner.GetType().Name}: {inner.Message}", inner);
        }
        catch (Exception e) when (e is not ParquetException and not OutOfMemoryException)
        {
            throw new ParquetException($"{at}: {e.GetType().Name}: {e.Message}", e);
        }
        finally
        {
            _stream.Disarm();
        }
    }

    private static ParquetLeafChunk ReadTyped<T>(global::Parquet.ParquetRowGroupReader group, PqDataField field) where T : struct
    {
        using var raw = group.ReadRawColumnDataBaseAsync(field).AsTask().GetAwaiter().GetResult();
        var all = ((global::Parquet.Data.RawColumnData<T>)raw).Values;
        var def = field.MaxDefinitionLevel > 0 ? raw.DefinitionLevels.ToArray() : null;
        // Parquet.Net sizes the value buffer by level entries and fills the present values from the front.
        var present = def is null ? all.Length : def.Count(d => d == field.MaxDefinitionLevel);
        if (present > all.Length)
            throw new ParquetException($"{present} definition levels say a value is present but {all.Length} values were decoded");
        var values = all[..present].ToArray();
        var rep = field.MaxRepetitionLevel > 0 ? raw.RepetitionLevels.ToArray() : null;
        return new ParquetLeafChunk(ParquetValues.ToOurs(values), def, rep);
    }

    /// <summary>
    /// Reads one row group as a typed table (flat columns and lists of primitives; see <see cref="ParquetColumnSpec"/>),
    /// optionally only the named top-level columns. Structs, maps and nested lists fail naming the column.
    /// </summary>
    public ParquetTable ReadRowGroup(int index, IReadOnlyList<string>? columns = null)
    {
        var rows = RowGroupRows(index);
        var result = new List<ParquetColumn>();
        foreach (var field in Project(columns))
        {
            var at = $"'{_name}' row group {index} column '{field.Name}'";
            var shape = ParquetAssembly.Shape(field)
                ?? throw new ParquetException($"{at} is a struct, map or nested list, which a table does not hold; read it with ReadRows");
            var chunk = ReadLeafChunk(index, LeafIndex(shape.Leaf));
            try
            {
                result.Add(new ParquetColumn(shape.Spec, ParquetAssembly.Build(shape, chunk, rows)));
            }
            catch (ParquetException e)
            {
                throw new ParquetException($"{at}: {e.Message}", e);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new ParquetException($"{at}: {e.GetType().Name}: {e.Message}", e);
            }
        }
        return new ParquetTable(result, StringMetadata());
    }

    private int LeafIndex(PqDataField field)
    {
        for (var i = 0; i < Schema.Leaves.Count; i++)
            if (Schema.Leaves[i].Field.Path.Equals(field.Path)) return i;
        throw new ParquetException($"'{_name}': column '{field.Name}' is not a leaf of the schema");
    }

    private IReadOnlyList<PqField> Project(IReadOnlyList<string>? columns) =>
        columns is null
            ? _top
            : columns.Select(n => _top.FirstOrDefault(f => f.Name == n)
                ?? throw new ParquetException($"'{_name}' has no column '{n}'; columns are: {string.Join(", ", _top.Select(f => f.Name))}")).ToList();

    /// <summary>Reads the row groups one after another (one row group in memory at a time).</summary>
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
        var specs = Project(columns).Select(f => ParquetAssembly.Shape(f)?.Spec
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
    /// Reads records one row group at a time. Each row holds one value per projected top-level field: scalars, lists as
    /// <c>List&lt;object?&gt;</c>, structs as <c>Dictionary&lt;string, object?&gt;</c> and maps as
    /// <c>List&lt;KeyValuePair&lt;object?, object?&gt;&gt;</c>. Lists inside lists or structs inside lists fail naming the column.
    /// </summary>
    public IEnumerable<object?[]> ReadRows(IReadOnlyList<string>? columns = null)
    {
        var fields = Project(columns);
        for (var g = 0; g < RowGroupCount; g++)
        {
            var rows = RowGroupRows(g);
            var perField = new object?[fields.Count][];
            for (var f = 0; f < fields.Count; f++)
            {
                var group = g;
                perField[f] = ParquetAssembly.Records(fields[f], rows, leaf => ReadLeafChunk(group, LeafIndex(leaf)),
                    $"'{_name}' row group {g} column '{fields[f].Name}'");
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
    public void Dispose()
    {
        _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stream.Dispose();
    }

    internal static bool IsList(PqField f) => f is PqListField;

    internal static bool IsMap(PqField f) => f is PqMapField;

    internal static bool IsStruct(PqField f) => f is PqStructField;
}
