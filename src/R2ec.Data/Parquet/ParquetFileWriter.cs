using System.Reflection;
using PqCompression = Parquet.CompressionMethod;
using PqDataField = Parquet.Schema.DataField;
using PqDateTimeDataField = Parquet.Schema.DateTimeDataField;
using PqField = Parquet.Schema.Field;
using PqListField = Parquet.Schema.ListField;
using PqOptions = Parquet.ParquetOptions;
using PqRowGroupWriter = Parquet.ParquetRowGroupWriter;
using PqSchema = Parquet.Schema.ParquetSchema;
using PqWriter = Parquet.ParquetWriter;

namespace R2ec.Data.Parquet;

/// <summary>
/// Writes a <see cref="ParquetTable"/> (flat and list columns, see <see cref="ParquetColumnSpec"/>) through Parquet.Net.
/// The file is written under a temporary name beside the target and renamed into place only when complete, so readers
/// never see a half-written file; on any failure the temporary file is deleted and the target is left as it was.
/// </summary>
public static class ParquetFileWriter
{
    /// <summary>Writes a whole table to <paramref name="path"/>, in row groups of at most <see cref="ParquetWriteOptions.MaxRowGroupRows"/> rows.</summary>
    public static void Write(string path, ParquetTable table, ParquetWriteOptions? options = null)
    {
        options ??= ParquetWriteOptions.Default;
        if (table.Columns.Count == 0)
            throw new ParquetException($"'{path}': a Parquet file needs at least one column");
        if (options.MaxRowGroupRows <= 0)
            throw new ParquetException($"'{path}': MaxRowGroupRows must be positive, not {options.MaxRowGroupRows}");
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var fields = table.Columns.Select(c => Field(c.Spec)).ToList();
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var writer = PqWriter.CreateAsync(new PqSchema(fields), stream, new PqOptions { CompressionMethod = Codec(options.Compression) })
                    .GetAwaiter().GetResult();
                try
                {
                    writer.CustomMetadata = table.Metadata.ToDictionary();
                    for (var start = 0; start < table.RowCount || start == 0; start += options.MaxRowGroupRows)
                    {
                        var count = Math.Min(options.MaxRowGroupRows, table.RowCount - start);
                        using var group = writer.CreateRowGroup();
                        for (var c = 0; c < table.Columns.Count; c++)
                            WriteColumn(group, fields[c], table.Columns[c], start, count);
                        group.CompleteValidate();
                        if (table.RowCount == 0) break;
                    }
                }
                finally
                {
                    writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (e is ParquetException or OutOfMemoryException) throw;
            throw new ParquetException($"'{path}': write failed: {e.GetType().Name}: {e.Message}", e);
        }
    }

    private static void TryDelete(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (IOException)
        {
            // The temporary file is left behind; the target was never touched.
        }
    }

    private static PqCompression Codec(ParquetCompression c) => c switch
    {
        ParquetCompression.Uncompressed => PqCompression.None,
        ParquetCompression.Snappy => PqCompression.Snappy,
        ParquetCompression.Gzip => PqCompression.Gzip,
        ParquetCompression.Zstd => PqCompression.Zstd,
        ParquetCompression.Lz4Raw => PqCompression.Lz4Raw,
        ParquetCompression.Brotli => PqCompression.Brotli,
        _ => throw new ParquetException($"compression {c} is not written"),
    };

    /// <summary>The Parquet.Net field of a column: a leaf, or a LIST group around a leaf named <c>element</c>.</summary>
    private static PqField Field(ParquetColumnSpec spec)
    {
        if (spec.Type is not (ParquetValueType.Int32 or ParquetValueType.Int64 or ParquetValueType.Float or ParquetValueType.Double
            or ParquetValueType.String or ParquetValueType.Boolean or ParquetValueType.Timestamp))
            throw new ParquetException($"column '{spec.Name}': the writer does not write {spec.Type}");
        var name = spec.IsList ? "element" : spec.Name;
        var nullable = spec.IsList ? spec.ElementNullable : spec.Nullable;
        PqDataField leaf = spec.Type == ParquetValueType.Timestamp
            ? new PqDateTimeDataField(name, global::Parquet.Schema.DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: global::Parquet.Schema.DateTimeTimeUnit.Micros, isNullable: nullable)
            : new PqDataField(name, spec.ValueClrType, isNullable: nullable);
        return spec.IsList ? new PqListField(spec.Name, leaf) : leaf;
    }

    private static readonly MethodInfo FlatMethod = typeof(ParquetFileWriter).GetMethod(nameof(WriteFlat), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo NullableMethod = typeof(ParquetFileWriter).GetMethod(nameof(WriteNullable), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo ListMethod = typeof(ParquetFileWriter).GetMethod(nameof(WriteList), BindingFlags.NonPublic | BindingFlags.Static)!;

    private static void WriteColumn(PqRowGroupWriter group, PqField field, ParquetColumn column, int start, int count)
    {
        var spec = column.Spec;
        var t = spec.ValueClrType;
        try
        {
            if (spec.IsList)
                ListMethod.MakeGenericMethod(t == typeof(string) ? typeof(ReadOnlyMemory<char>) : t).Invoke(null, [group, ((PqListField)field).Item, column.Data, start, count, spec]);
            else if (t == typeof(string))
                group.WriteAsync((PqDataField)field, new ArraySegment<string>((string[])column.Data, start, count)).GetAwaiter().GetResult();
            else if (spec.Nullable)
                NullableMethod.MakeGenericMethod(t).Invoke(null, [group, field, column.Data, start, count]);
            else
                FlatMethod.MakeGenericMethod(t).Invoke(null, [group, field, column.Data, start, count]);
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            throw new ParquetException($"column '{spec.Name}': {inner.GetType().Name}: {inner.Message}", inner);
        }
    }

    private static void WriteFlat<T>(PqRowGroupWriter group, PqDataField field, T[] data, int start, int count) where T : struct =>
        group.WriteAsync(field, new ReadOnlyMemory<T>(data, start, count)).GetAwaiter().GetResult();

    private static void WriteNullable<T>(PqRowGroupWriter group, PqDataField field, T?[] data, int start, int count) where T : struct =>
        group.WriteAsync(field, new ReadOnlyMemory<T?>(data, start, count)).GetAwaiter().GetResult();

    /// <summary>
    /// Writes a list column as its leaf's values with definition and repetition levels: a null list at level 0, an empty
    /// list at the list's level, a null element one below the leaf's maximum, a value at the maximum. (Parquet.Net
    /// writes every LIST group as optional, so a required list column's group is optional in the file; no row is null.)
    /// </summary>
    private static void WriteList<T>(PqRowGroupWriter group, PqDataField leaf, Array data, int start, int count, ParquetColumnSpec spec) where T : struct
    {
        var maxDef = leaf.MaxDefinitionLevel;
        var emptyDef = maxDef - 1 - (spec.ElementNullable ? 1 : 0);
        var values = new List<T>();
        var def = new List<int>();
        var rep = new List<int>();
        for (var r = start; r < start + count; r++)
        {
            var list = (Array?)data.GetValue(r);
            if (list is null)
            {
                if (!spec.Nullable) throw new ParquetException($"column '{spec.Name}' row {r}: a null list in a required column");
                def.Add(emptyDef - 1);
                rep.Add(0);
                continue;
            }
            if (list.Length == 0)
            {
                def.Add(emptyDef);
                rep.Add(0);
                continue;
            }
            for (var k = 0; k < list.Length; k++)
            {
                var v = list.GetValue(k);
                rep.Add(k == 0 ? 0 : 1);
                if (v is null)
                {
                    if (!spec.ElementNullable) throw new ParquetException($"column '{spec.Name}' row {r}: a null element in a list of required elements");
                    def.Add(maxDef - 1);
                    continue;
                }
                def.Add(maxDef);
                // Parquet.Net takes strings as character memory.
                values.Add(v is string text ? (T)(object)text.AsMemory() : (T)v);
            }
        }
        group.WriteAllPartsAsync<T>(leaf, values.ToArray(), def.ToArray(), rep.ToArray(), CancellationToken.None).GetAwaiter().GetResult();
    }
}
