namespace R2ec.Data.Parquet.Reading;

/// <summary>
/// Builds typed table columns (see <see cref="ParquetColumnSpec"/>) straight from levels and values, without boxing:
/// flat columns and lists of primitives (three-level LIST, two-level legacy lists, bare repeated primitives).
/// </summary>
internal static class TableAssembler
{
    /// <summary>The table shape of a top-level field, or null when it is nested deeper than a list of primitives.</summary>
    public static (ParquetColumnSpec Spec, ParquetField Repeated, ParquetLeaf Leaf)? Shape(ParquetField field)
    {
        if (!field.IsGroup)
        {
            var type = ValueConverter.ValueType(field.Leaf!);
            return field.Repetition == Repetition.Repeated
                ? (new ParquetColumnSpec(field.Name, type, false, true, false), field, field.Leaf!)
                : (new ParquetColumnSpec(field.Name, type, field.Repetition == Repetition.Optional), field, field.Leaf!);
        }
        // Only LIST-annotated groups are lists; an unannotated group is a struct, as other readers see it too.
        if (field.Logical.Kind != LogicalKind.List || field.Repetition == Repetition.Repeated || field.Children.Count != 1)
            return null;
        var r = field.Children[0];
        if (r.Repetition != Repetition.Repeated)
            return null;
        ParquetField element;
        if (!r.IsGroup)
            element = r;
        else if (r.Children.Count == 1 && !r.Children[0].IsGroup && r.Children[0].Repetition != Repetition.Repeated
                 && r.Name != "array" && r.Name != field.Name + "_tuple")
            element = r.Children[0];
        else
            return null;
        var spec = new ParquetColumnSpec(field.Name, ValueConverter.ValueType(element.Leaf!),
            field.Repetition == Repetition.Optional, true, element.Repetition == Repetition.Optional);
        return (spec, r, element.Leaf!);
    }

    public static Array Build(ParquetColumnSpec spec, ParquetField repeated, LeafChunk chunk, int rows, string what) =>
        spec.Type switch
        {
            ParquetValueType.Int32 => Build<int>(spec, repeated, chunk, rows, what),
            ParquetValueType.Int64 => Build<long>(spec, repeated, chunk, rows, what),
            ParquetValueType.Float => Build<float>(spec, repeated, chunk, rows, what),
            ParquetValueType.Double => Build<double>(spec, repeated, chunk, rows, what),
            ParquetValueType.Boolean => Build<bool>(spec, repeated, chunk, rows, what),
            ParquetValueType.Timestamp => Build<DateTime>(spec, repeated, chunk, rows, what),
            ParquetValueType.Int96 => Build<ParquetInt96>(spec, repeated, chunk, rows, what),
            ParquetValueType.Date => Build<DateOnly>(spec, repeated, chunk, rows, what),
            ParquetValueType.Decimal => Build<decimal>(spec, repeated, chunk, rows, what),
            ParquetValueType.Float16 => Build<Half>(spec, repeated, chunk, rows, what),
            ParquetValueType.UInt32 => Build<uint>(spec, repeated, chunk, rows, what),
            ParquetValueType.UInt64 => Build<ulong>(spec, repeated, chunk, rows, what),
            ParquetValueType.Time => Build<TimeOnly>(spec, repeated, chunk, rows, what),
            ParquetValueType.String => BuildRef<string>(spec, repeated, chunk, rows, what),
            _ => BuildRef<byte[]>(spec, repeated, chunk, rows, what),
        };

    private static Array Build<T>(ParquetColumnSpec spec, ParquetField repeated, LeafChunk chunk, int rows, string what)
        where T : struct
    {
        var get = ValueConverter.Getter<T>(chunk.Leaf, chunk.Values, what);
        var direct = ValueConverter.Direct<T>(chunk.Leaf, chunk.Values);
        if (!spec.IsList)
        {
            CheckFlat(chunk, rows, what);
            if (!spec.Nullable)
            {
                if (direct is not null)
                    return direct.AsSpan(0, rows).ToArray();
                var data = new T[rows];
                for (var i = 0; i < rows; i++) data[i] = get(i);
                return data;
            }
            var nullable = new T?[rows];
            var max = chunk.Leaf.MaxDefinitionLevel;
            var v = 0;
            for (var i = 0; i < rows; i++) nullable[i] = chunk.DefAt(i) == max ? get(v++) : null;
            return nullable;
        }
        return spec.ElementNullable
            ? BuildLists<T?>(spec, repeated, chunk, rows, what, i => get(i))
            : BuildLists(spec, repeated, chunk, rows, what, get, direct);
    }

    private static Array BuildRef<T>(ParquetColumnSpec spec, ParquetField repeated, LeafChunk chunk, int rows, string what)
        where T : class
    {
        var get = ValueConverter.Getter<T>(chunk.Leaf, chunk.Values, what);
        if (!spec.IsList)
        {
            CheckFlat(chunk, rows, what);
            var data = new T?[rows];
            var max = chunk.Leaf.MaxDefinitionLevel;
            var v = 0;
            for (var i = 0; i < rows; i++) data[i] = chunk.DefAt(i) == max ? get(v++) : null;
            return data;
        }
        return BuildLists<T?>(spec, repeated, chunk, rows, what, get);
    }

    private static void CheckFlat(LeafChunk chunk, int rows, string what)
    {
        if (chunk.Count != rows)
            throw new ParquetException($"{what}: column holds {chunk.Count} values but the row group has {rows} rows");
    }

    private static Array BuildLists<TE>(ParquetColumnSpec spec, ParquetField repeated, LeafChunk chunk, int rows,
        string what, Func<int, TE> get, TE[]? direct = null)
    {
        // Definition levels at which the list itself is present and at which it has at least one element.
        var listDefined = 0;
        for (var f = repeated.Parent; f is not null; f = f.Parent)
            if (f.Repetition != Repetition.Required) listDefined++;
        var hasElement = listDefined + 1;
        var max = chunk.Leaf.MaxDefinitionLevel;
        var counts = new int[rows];
        var isNull = new bool[rows];
        var row = -1;
        var defs = chunk.Def;
        var reps = chunk.Rep;
        for (var e = 0; e < chunk.Count; e++)
        {
            var def = defs is null ? max : defs[e];
            if (reps is null || reps[e] == 0)
            {
                if (++row >= rows)
                    throw new ParquetException($"{what}: column holds more than the row group's {rows} rows");
                if (def < listDefined) isNull[row] = true;
                else if (def >= hasElement) counts[row] = 1;
            }
            else
            {
                if (def < hasElement)
                    throw new ParquetException($"{what}: list element with definition level {def} below the list's");
                counts[row]++;
            }
        }
        if (row != rows - 1)
            throw new ParquetException($"{what}: column holds {row + 1} rows but the row group says {rows}");
        var result = new TE[]?[rows];
        var entry = 0;
        var v = 0;
        for (var r = 0; r < rows; r++)
        {
            if (isNull[r])
            {
                if (!spec.Nullable)
                    throw new ParquetException($"{what}: null list in a required column");
                entry++;
                continue;
            }
            var list = new TE[counts[r]];
            if (counts[r] == 0) entry++;
            // Common case: a list of present values of a type stored as is, copied in one go.
            if (direct is not null && (chunk.Def is null || chunk.Def.AsSpan(entry, list.Length).IndexOfAnyExcept((byte)max) < 0))
            {
                direct.AsSpan(v, list.Length).CopyTo(list);
                v += list.Length;
                entry += list.Length;
                result[r] = list;
                continue;
            }
            for (var k = 0; k < list.Length; k++, entry++)
            {
                if (chunk.DefAt(entry) == max)
                    list[k] = get(v++);
                else if (spec.ElementNullable)
                    list[k] = default!;
                else
                    throw new ParquetException($"{what}: null element in a list of required values");
            }
            result[r] = list;
        }
        return result;
    }
}
