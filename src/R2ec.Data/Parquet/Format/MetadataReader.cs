using R2ec.Data.Parquet.Thrift;

namespace R2ec.Data.Parquet.Format;

/// <summary>Decodes the footer and page headers from Thrift compact bytes; unknown fields are skipped.</summary>
internal static class MetadataReader
{
    public static FileMetaData ReadFileMetaData(ReadOnlySpan<byte> bytes, string file)
    {
        var r = new ThriftCompactReader(bytes, $"footer of '{file}'");
        var m = new FileMetaData();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == CompactType.I32: m.Version = r.ReadI32(); break;
                case 2 when t == CompactType.List:
                {
                    var n = r.ReadListHeader(out _);
                    for (var i = 0; i < n; i++) m.Schema.Add(ReadSchemaElement(ref r));
                    break;
                }
                case 3 when t == CompactType.I64: m.NumRows = r.ReadI64(); break;
                case 4 when t == CompactType.List:
                {
                    var n = r.ReadListHeader(out _);
                    for (var i = 0; i < n; i++) m.RowGroups.Add(ReadRowGroup(ref r));
                    break;
                }
                case 5 when t == CompactType.List: ReadKeyValues(ref r, m.KeyValueMetadata); break;
                case 6 when t == CompactType.Binary: m.CreatedBy = r.ReadString(); break;
                case 8: m.Encrypted = true; r.Skip(t); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return m;
    }

    private static void ReadKeyValues(ref ThriftCompactReader r, List<KeyValuePair<string, string?>> into)
    {
        var n = r.ReadListHeader(out _);
        for (var i = 0; i < n; i++)
        {
            string key = "";
            string? value = null;
            r.BeginStruct();
            while (r.NextField(out var id, out var t))
            {
                if (id == 1 && t == CompactType.Binary) key = r.ReadString();
                else if (id == 2 && t == CompactType.Binary) value = r.ReadString();
                else r.Skip(t);
            }
            r.EndStruct();
            into.Add(new(key, value));
        }
    }

    private static SchemaElement ReadSchemaElement(ref ThriftCompactReader r)
    {
        var e = new SchemaElement();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == CompactType.I32:
                {
                    var v = r.ReadI32();
                    if (v is < 0 or > 7) throw r.Error($"unknown physical type {v}");
                    e.Type = (PhysicalType)v;
                    break;
                }
                case 2 when t == CompactType.I32: e.TypeLength = r.ReadI32(); break;
                case 3 when t == CompactType.I32:
                {
                    var v = r.ReadI32();
                    if (v is < 0 or > 2) throw r.Error($"unknown repetition type {v}");
                    e.RepetitionType = (Repetition)v;
                    break;
                }
                case 4 when t == CompactType.Binary: e.Name = r.ReadString(); break;
                case 5 when t == CompactType.I32: e.NumChildren = r.ReadI32(); break;
                case 6 when t == CompactType.I32: e.ConvertedType = r.ReadI32(); break;
                case 7 when t == CompactType.I32: e.Scale = r.ReadI32(); break;
                case 8 when t == CompactType.I32: e.Precision = r.ReadI32(); break;
                case 9 when t == CompactType.I32: e.FieldId = r.ReadI32(); break;
                case 10 when t == CompactType.Struct: e.Logical = ReadLogicalType(ref r); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return e;
    }

    private static LogicalType ReadLogicalType(ref ThriftCompactReader r)
    {
        var result = new LogicalType(LogicalKind.Unrecognized);
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            if (t != CompactType.Struct)
            {
                r.Skip(t);
                continue;
            }
            switch (id)
            {
                case 1: r.Skip(t); result = new(LogicalKind.String); break;
                case 2: r.Skip(t); result = new(LogicalKind.Map); break;
                case 3: r.Skip(t); result = new(LogicalKind.List); break;
                case 4: r.Skip(t); result = new(LogicalKind.Enum); break;
                case 5:
                {
                    int scale = 0, precision = 0;
                    r.BeginStruct();
                    while (r.NextField(out var fid, out var ft))
                    {
                        if (fid == 1 && ft == CompactType.I32) scale = r.ReadI32();
                        else if (fid == 2 && ft == CompactType.I32) precision = r.ReadI32();
                        else r.Skip(ft);
                    }
                    r.EndStruct();
                    result = new(LogicalKind.Decimal, Scale: scale, Precision: precision);
                    break;
                }
                case 6: r.Skip(t); result = new(LogicalKind.Date); break;
                case 7:
                case 8:
                {
                    bool utc = false;
                    var unit = TimeUnit.Millis;
                    r.BeginStruct();
                    while (r.NextField(out var fid, out var ft))
                    {
                        if (fid == 1 && ft is CompactType.BoolTrue or CompactType.BoolFalse) utc = r.ReadBool();
                        else if (fid == 2 && ft == CompactType.Struct) unit = ReadTimeUnit(ref r);
                        else r.Skip(ft);
                    }
                    r.EndStruct();
                    result = new(id == 7 ? LogicalKind.Time : LogicalKind.Timestamp, unit, utc);
                    break;
                }
                case 10:
                {
                    int bits = 0;
                    bool signed = true;
                    r.BeginStruct();
                    while (r.NextField(out var fid, out var ft))
                    {
                        if (fid == 1 && ft == CompactType.Byte) bits = (sbyte)r.ReadByte();
                        else if (fid == 2 && ft is CompactType.BoolTrue or CompactType.BoolFalse) signed = r.ReadBool();
                        else r.Skip(ft);
                    }
                    r.EndStruct();
                    result = new(LogicalKind.Integer, BitWidth: bits, IsSigned: signed);
                    break;
                }
                case 11: r.Skip(t); result = new(LogicalKind.Unknown); break;
                case 12: r.Skip(t); result = new(LogicalKind.Json); break;
                case 13: r.Skip(t); result = new(LogicalKind.Bson); break;
                case 14: r.Skip(t); result = new(LogicalKind.Uuid); break;
                case 15: r.Skip(t); result = new(LogicalKind.Float16); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return result;
    }

    private static TimeUnit ReadTimeUnit(ref ThriftCompactReader r)
    {
        var unit = TimeUnit.Millis;
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            if (id == 2) unit = TimeUnit.Micros;
            else if (id == 3) unit = TimeUnit.Nanos;
            r.Skip(t);
        }
        r.EndStruct();
        return unit;
    }

    private static RowGroup ReadRowGroup(ref ThriftCompactReader r)
    {
        var g = new RowGroup();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == CompactType.List:
                {
                    var n = r.ReadListHeader(out _);
                    for (var i = 0; i < n; i++) g.Columns.Add(ReadColumnChunk(ref r));
                    break;
                }
                case 2 when t == CompactType.I64: g.TotalByteSize = r.ReadI64(); break;
                case 3 when t == CompactType.I64: g.NumRows = r.ReadI64(); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return g;
    }

    private static ColumnChunk ReadColumnChunk(ref ThriftCompactReader r)
    {
        var c = new ColumnChunk();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == CompactType.Binary: c.FilePath = r.ReadString(); break;
                case 2 when t == CompactType.I64: c.FileOffset = r.ReadI64(); break;
                case 3 when t == CompactType.Struct: c.MetaData = ReadColumnMetaData(ref r); break;
                case 8 or 9: c.Encrypted = true; r.Skip(t); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return c;
    }

    private static ColumnMetaData ReadColumnMetaData(ref ThriftCompactReader r)
    {
        var m = new ColumnMetaData();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == CompactType.I32:
                {
                    var v = r.ReadI32();
                    if (v is < 0 or > 7) throw r.Error($"unknown physical type {v}");
                    m.Type = (PhysicalType)v;
                    break;
                }
                case 2 when t == CompactType.List:
                {
                    var n = r.ReadListHeader(out _);
                    for (var i = 0; i < n; i++) m.Encodings.Add((ParquetEncoding)r.ReadI32());
                    break;
                }
                case 3 when t == CompactType.List:
                {
                    var n = r.ReadListHeader(out _);
                    for (var i = 0; i < n; i++) m.PathInSchema.Add(r.ReadString());
                    break;
                }
                case 4 when t == CompactType.I32: m.Codec = (ParquetCompression)r.ReadI32(); break;
                case 5 when t == CompactType.I64: m.NumValues = r.ReadI64(); break;
                case 6 when t == CompactType.I64: m.TotalUncompressedSize = r.ReadI64(); break;
                case 7 when t == CompactType.I64: m.TotalCompressedSize = r.ReadI64(); break;
                case 8 when t == CompactType.List: ReadKeyValues(ref r, m.KeyValueMetadata); break;
                case 9 when t == CompactType.I64: m.DataPageOffset = r.ReadI64(); break;
                case 11 when t == CompactType.I64: m.DictionaryPageOffset = r.ReadI64(); break;
                case 12 when t == CompactType.Struct: m.Statistics = ReadStatistics(ref r); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return m;
    }

    private static Statistics ReadStatistics(ref ThriftCompactReader r)
    {
        var s = new Statistics();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == CompactType.Binary: s.Max = r.ReadBinary(); break;
                case 2 when t == CompactType.Binary: s.Min = r.ReadBinary(); break;
                case 3 when t == CompactType.I64: s.NullCount = r.ReadI64(); break;
                case 4 when t == CompactType.I64: s.DistinctCount = r.ReadI64(); break;
                case 5 when t == CompactType.Binary: s.MaxValue = r.ReadBinary(); break;
                case 6 when t == CompactType.Binary: s.MinValue = r.ReadBinary(); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return s;
    }

    /// <summary>Reads a page header; <paramref name="length"/> is how many bytes it took.</summary>
    public static PageHeader ReadPageHeader(ReadOnlySpan<byte> bytes, string what, out int length)
    {
        var r = new ThriftCompactReader(bytes, what);
        var h = new PageHeader();
        var sawType = false;
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == CompactType.I32: h.Type = (PageType)r.ReadI32(); sawType = true; break;
                case 2 when t == CompactType.I32: h.UncompressedPageSize = r.ReadI32(); break;
                case 3 when t == CompactType.I32: h.CompressedPageSize = r.ReadI32(); break;
                case 4 when t == CompactType.I32: h.Crc = r.ReadI32(); break;
                case 5 when t == CompactType.Struct: h.DataPage = ReadDataPageHeader(ref r); break;
                case 7 when t == CompactType.Struct: h.DictionaryPage = ReadDictionaryPageHeader(ref r); break;
                case 8 when t == CompactType.Struct: h.DataPageV2 = ReadDataPageHeaderV2(ref r); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        if (!sawType)
            throw r.Error("page header without a page type");
        if (h.UncompressedPageSize < 0 || h.CompressedPageSize < 0)
            throw r.Error($"negative page size ({h.CompressedPageSize} compressed, {h.UncompressedPageSize} uncompressed)");
        length = r.Position;
        return h;
    }

    private static DataPageHeader ReadDataPageHeader(ref ThriftCompactReader r)
    {
        var h = new DataPageHeader();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == CompactType.I32: h.NumValues = r.ReadI32(); break;
                case 2 when t == CompactType.I32: h.Encoding = (ParquetEncoding)r.ReadI32(); break;
                case 3 when t == CompactType.I32: h.DefinitionLevelEncoding = (ParquetEncoding)r.ReadI32(); break;
                case 4 when t == CompactType.I32: h.RepetitionLevelEncoding = (ParquetEncoding)r.ReadI32(); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return h;
    }

    private static DataPageHeaderV2 ReadDataPageHeaderV2(ref ThriftCompactReader r)
    {
        var h = new DataPageHeaderV2();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == CompactType.I32: h.NumValues = r.ReadI32(); break;
                case 2 when t == CompactType.I32: h.NumNulls = r.ReadI32(); break;
                case 3 when t == CompactType.I32: h.NumRows = r.ReadI32(); break;
                case 4 when t == CompactType.I32: h.Encoding = (ParquetEncoding)r.ReadI32(); break;
                case 5 when t == CompactType.I32: h.DefinitionLevelsByteLength = r.ReadI32(); break;
                case 6 when t == CompactType.I32: h.RepetitionLevelsByteLength = r.ReadI32(); break;
                case 7 when t is CompactType.BoolTrue or CompactType.BoolFalse: h.IsCompressed = r.ReadBool(); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return h;
    }

    private static DictionaryPageHeader ReadDictionaryPageHeader(ref ThriftCompactReader r)
    {
        var h = new DictionaryPageHeader();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == CompactType.I32: h.NumValues = r.ReadI32(); break;
                case 2 when t == CompactType.I32: h.Encoding = (ParquetEncoding)r.ReadI32(); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return h;
    }
}
