namespace R2ec.Data.Parquet.Writing;

/// <summary>Turns a table column's rows into definition/repetition levels and physical values.</summary>
internal static class ColumnShredder
{
    public static ShreddedColumn Shred(ParquetColumn column, int start, int count)
    {
        var spec = column.Spec;
        var values = new ColumnValues(WriterSchema.Physical(spec));
        var sink = new Sink(spec, values, count);
        switch (spec.Type)
        {
            case ParquetValueType.Int32: ShredStruct<int>(column.Data, sink, start, count, values.Ints.Add); break;
            case ParquetValueType.Int64: ShredStruct<long>(column.Data, sink, start, count, values.Longs.Add); break;
            case ParquetValueType.Float: ShredStruct<float>(column.Data, sink, start, count, values.Floats.Add); break;
            case ParquetValueType.Double: ShredStruct<double>(column.Data, sink, start, count, values.Doubles.Add); break;
            case ParquetValueType.Boolean: ShredStruct<bool>(column.Data, sink, start, count, values.Bools.Add); break;
            case ParquetValueType.Timestamp:
                ShredStruct<DateTime>(column.Data, sink, start, count, t => values.Longs.Add(ToMicros(t, spec.Name)));
                break;
            case ParquetValueType.String: Shred<string?>(column.Data, sink, start, count, s => s is not null, s => values.AddString(s!, spec.Name)); break;
            default: throw new ParquetException($"column '{spec.Name}': the writer does not write {spec.Type} values");
        }
        return sink.Finish(count);
    }

    private static long ToMicros(DateTime t, string column)
    {
        var utc = t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t;
        var ticks = utc.Ticks - DateTime.UnixEpoch.Ticks;
        if (ticks % 10 != 0)
            throw new ParquetException($"column '{column}': timestamp {t:O} has sub-microsecond ticks; timestamps are stored in microseconds");
        return ticks / 10;
    }

    private static void ShredStruct<T>(Array data, Sink sink, int start, int count, Action<T> add) where T : struct
    {
        var nullable = sink.Spec.IsList ? sink.Spec.ElementNullable : sink.Spec.Nullable;
        if (nullable)
            Shred<T?>(data, sink, start, count, v => v.HasValue, v => add(v!.Value));
        else
            Shred<T>(data, sink, start, count, _ => true, add);
    }

    private static void Shred<TE>(Array data, Sink sink, int start, int count, Func<TE, bool> hasValue, Action<TE> add)
    {
        var spec = sink.Spec;
        if (!spec.IsList)
        {
            var flat = (TE[])data;
            for (var r = start; r < start + count; r++)
            {
                var v = flat[r];
                if (hasValue(v))
                {
                    add(v);
                    sink.Entry(0, sink.MaxDef);
                }
                else
                {
                    if (!spec.Nullable)
                        throw new ParquetException($"column '{spec.Name}' row {r}: null in a required column");
                    sink.Entry(0, 0);
                }
            }
            return;
        }
        var lists = (TE[]?[])data;
        var listDefined = spec.Nullable ? 1 : 0;
        for (var r = start; r < start + count; r++)
        {
            var list = lists[r];
            if (list is null)
            {
                if (!spec.Nullable)
                    throw new ParquetException($"column '{spec.Name}' row {r}: null list in a required column");
                sink.Entry(0, 0);
                continue;
            }
            if (list.Length == 0)
            {
                sink.Entry(0, listDefined);
                continue;
            }
            for (var k = 0; k < list.Length; k++)
            {
                var v = list[k];
                if (hasValue(v))
                {
                    add(v);
                    sink.Entry(k == 0 ? 0 : 1, sink.MaxDef);
                }
                else
                {
                    if (!spec.ElementNullable)
                        throw new ParquetException($"column '{spec.Name}' row {r}: null element in a list of required values");
                    sink.Entry(k == 0 ? 0 : 1, sink.MaxDef - 1);
                }
            }
        }
    }

    /// <summary>Collects levels as bytes (skipping those whose maximum is 0).</summary>
    private sealed class Sink(ParquetColumnSpec spec, ColumnValues values, int rows)
    {
        public ParquetColumnSpec Spec { get; } = spec;
        public int MaxDef { get; } = WriterSchema.MaxDefinitionLevel(spec);
        private byte[] _def = new byte[WriterSchema.MaxDefinitionLevel(spec) > 0 ? rows : 0];
        private byte[] _rep = new byte[spec.IsList ? rows : 0];
        private int _count;

        public void Entry(int rep, int def)
        {
            if (MaxDef > 0)
            {
                if (_count == _def.Length) Array.Resize(ref _def, Math.Max(16, _def.Length * 2));
                _def[_count] = (byte)def;
            }
            if (Spec.IsList)
            {
                if (_count == _rep.Length) Array.Resize(ref _rep, Math.Max(16, _rep.Length * 2));
                _rep[_count] = (byte)rep;
            }
            _count++;
        }

        public ShreddedColumn Finish(int rowCount) =>
            new(Spec, values, MaxDef > 0 ? _def : null, Spec.IsList ? _rep : null, _count, rowCount);
    }
}
