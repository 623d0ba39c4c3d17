using R2ec.Data.Parquet.Thrift;

namespace R2ec.Data.Parquet.Format;

/// <summary>Encodes the footer (FileMetaData) as Thrift compact bytes.</summary>
internal static class MetadataWriter
{
    public static byte[] Write(FileMetaData m)
    {
        var w = new ThriftCompactWriter();
        w.BeginStruct();
        w.I32(1, m.Version);
        w.ListHeader(2, CompactType.Struct, m.Schema.Count);
        foreach (var e in m.Schema) WriteSchemaElement(w, e);
        w.I64(3, m.NumRows);
        w.ListHeader(4, CompactType.Struct, m.RowGroups.Count);
        foreach (var g in m.RowGroups) WriteRowGroup(w, g);
        if (m.KeyValueMetadata.Count > 0)
            WriteKeyValues(w, 5, m.KeyValueMetadata);
        if (m.CreatedBy is not null)
            w.String(6, m.CreatedBy);
        // Column orders: TypeDefinedOrder for every leaf, so readers may trust min/max.
        var leaves = m.Schema.Count(e => e.Type is not null);
        w.ListHeader(7, CompactType.Struct, leaves);
        for (var i = 0; i < leaves; i++)
        {
            w.BeginStruct();
            w.StructField(1);
            w.EndStruct();
            w.EndStruct();
        }
        w.EndStruct();
        return w.ToArray();
    }

    private static void WriteKeyValues(ThriftCompactWriter w, short id, List<KeyValuePair<string, string?>> kvs)
    {
        w.ListHeader(id, CompactType.Struct, kvs.Count);
        foreach (var kv in kvs)
        {
            w.BeginStruct();
            w.String(1, kv.Key);
            if (kv.Value is not null) w.String(2, kv.Value);
            w.EndStruct();
        }
    }

    private static void WriteSchemaElement(ThriftCompactWriter w, SchemaElement e)
    {
        w.BeginStruct();
        if (e.Type is { } t) w.I32(1, (int)t);
        if (e.RepetitionType is { } r) w.I32(3, (int)r);
        w.String(4, e.Name);
        if (e.NumChildren > 0) w.I32(5, e.NumChildren);
        if (e.ConvertedType is { } ct) w.I32(6, ct);
        if (e.Logical is { } lt) WriteLogicalType(w, lt);
        w.EndStruct();
    }

    private static void WriteLogicalType(ThriftCompactWriter w, LogicalType lt)
    {
        w.StructField(10);
        switch (lt.Kind)
        {
            case LogicalKind.String: w.StructField(1); w.EndStruct(); break;
            case LogicalKind.List: w.StructField(3); w.EndStruct(); break;
            case LogicalKind.Timestamp:
                w.StructField(8);
                w.Bool(1, lt.IsAdjustedToUtc);
                w.StructField(2);
                w.StructField((short)(lt.Unit switch { TimeUnit.Millis => 1, TimeUnit.Micros => 2, _ => 3 }));
                w.EndStruct();
                w.EndStruct();
                w.EndStruct();
                break;
            default: throw new ParquetException($"the writer does not write logical type {lt}");
        }
        w.EndStruct();
    }

    private static void WriteRowGroup(ThriftCompactWriter w, RowGroup g)
    {
        w.BeginStruct();
        w.ListHeader(1, CompactType.Struct, g.Columns.Count);
        long compressed = 0;
        foreach (var c in g.Columns)
        {
            w.BeginStruct();
            w.I64(2, c.FileOffset);
            w.StructField(3);
            WriteColumnMetaData(w, c.MetaData!);
            w.EndStruct();
            w.EndStruct();
            compressed += c.MetaData!.TotalCompressedSize;
        }
        w.I64(2, g.TotalByteSize);
        w.I64(3, g.NumRows);
        if (g.Columns.Count > 0) w.I64(5, g.Columns[0].FileOffset);
        w.I64(6, compressed);
        w.EndStruct();
    }

    private static void WriteColumnMetaData(ThriftCompactWriter w, ColumnMetaData m)
    {
        w.I32(1, (int)m.Type);
        w.ListHeader(2, CompactType.I32, m.Encodings.Count);
        foreach (var e in m.Encodings) w.ListI32((int)e);
        w.ListHeader(3, CompactType.Binary, m.PathInSchema.Count);
        foreach (var p in m.PathInSchema) w.ListString(p);
        w.I32(4, (int)m.Codec);
        w.I64(5, m.NumValues);
        w.I64(6, m.TotalUncompressedSize);
        w.I64(7, m.TotalCompressedSize);
        w.I64(9, m.DataPageOffset);
        if (m.DictionaryPageOffset is { } d) w.I64(11, d);
        if (m.Statistics is { } s)
        {
            w.StructField(12);
            if (s.NullCount is { } nc) w.I64(3, nc);
            if (s.MaxValue is { } max) w.Binary(5, max);
            if (s.MinValue is { } min) w.Binary(6, min);
            w.EndStruct();
        }
    }
}
