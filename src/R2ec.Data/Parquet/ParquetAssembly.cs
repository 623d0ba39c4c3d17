using PqDataField = Parquet.Schema.DataField;
using PqField = Parquet.Schema.Field;
using PqListField = Parquet.Schema.ListField;
using PqMapField = Parquet.Schema.MapField;
using PqStructField = Parquet.Schema.StructField;

namespace R2ec.Data.Parquet;

/// <summary>How a top-level field maps onto a table column: its spec and the one leaf that holds it.</summary>
/// <param name="Spec">The column's spec.</param>
/// <param name="Leaf">The leaf column.</param>
internal sealed record ParquetShape(ParquetColumnSpec Spec, PqDataField Leaf);

/// <summary>Turns the levels and values of leaf chunks back into rows (pure functions of the chunks).</summary>
internal static class ParquetAssembly
{
    /// <summary>The table shape of a top-level field: a flat column or a list of primitives; null for anything deeper.</summary>
    public static ParquetShape? Shape(PqField field)
    {
        switch (field)
        {
            case PqDataField d when d.MaxRepetitionLevel == 0 && ParquetValues.TypeOf(d.ClrType) is { } t:
                return new(new ParquetColumnSpec(d.Name, t, Nullable: d.MaxDefinitionLevel > 0), d);
            case PqDataField d when d.MaxRepetitionLevel == 1 && ParquetValues.TypeOf(d.ClrType) is { } t:
                // A bare repeated primitive: a required list of required elements.
                return new(new ParquetColumnSpec(d.Name, t, IsList: true), d);
            case PqListField { Item: PqDataField e } l when e.MaxRepetitionLevel == 1 && ParquetValues.TypeOf(e.ClrType) is { } t
                && e.MaxDefinitionLevel == (l.IsNullable ? 1 : 0) + 1 + (e.IsNullable ? 1 : 0):
                // A three-level LIST: optional or required group, repeated group, optional or required element.
                return new(new ParquetColumnSpec(l.Name, t, Nullable: l.IsNullable, IsList: true, ElementNullable: e.IsNullable), e);
            default:
                return null;
        }
    }

    /// <summary>Builds a column's data array in the spec's CLR shape from its leaf chunk.</summary>
    public static Array Build(ParquetShape shape, ParquetLeafChunk chunk, int rows)
    {
        var spec = shape.Spec;
        var maxDef = shape.Leaf.MaxDefinitionLevel;
        if (!spec.IsList)
        {
            if (chunk.Definition is null || !spec.Nullable)
                return chunk.Values;
            var data = Array.CreateInstance(spec.DataClrType.GetElementType()!, rows);
            var v = 0;
            for (var i = 0; i < rows; i++)
                if (chunk.Definition[i] == maxDef) data.SetValue(chunk.Values.GetValue(v++), i);
            return data;
        }
        var rep = chunk.Repetition ?? throw new ParquetException($"list column '{spec.Name}' has no repetition levels");
        var def = chunk.Definition;
        // Levels: below emptyDef the list is null; at emptyDef it is empty; at maxDef an element is present; between, a null element.
        var emptyDef = maxDef - 1 - (spec.ElementNullable ? 1 : 0);
        var starts = new List<int>(rows + 1);
        for (var i = 0; i < rep.Length; i++)
            if (rep[i] == 0) starts.Add(i);
        if (starts.Count != rows)
            throw new ParquetException($"list column '{spec.Name}' holds {starts.Count} records, the row group {rows}");
        starts.Add(rep.Length);
        var elementType = spec.DataClrType.GetElementType()!.GetElementType()!;
        var result = Array.CreateInstance(elementType.MakeArrayType(), rows);
        var value = 0;
        for (var r = 0; r < rows; r++)
        {
            int from = starts[r], to = starts[r + 1];
            var d0 = def?[from] ?? maxDef;
            if (d0 < emptyDef)
            {
                if (!spec.Nullable) throw new ParquetException($"list column '{spec.Name}' row {r} is null but the list is required");
                continue;
            }
            var count = d0 == emptyDef ? 0 : to - from;
            var list = Array.CreateInstance(elementType, count);
            if (def is null && !spec.ElementNullable && chunk.Values.GetType().GetElementType() == elementType)
            {
                Array.Copy(chunk.Values, value, list, 0, count);
                value += count;
            }
            else
            {
                for (var k = 0; k < count; k++)
                {
                    var d = def?[from + k] ?? maxDef;
                    if (d == maxDef) list.SetValue(chunk.Values.GetValue(value++), k);
                    else if (d <= emptyDef) throw new ParquetException($"list column '{spec.Name}' row {r}: an empty or null list inside a list");
                }
            }
            result.SetValue(list, r);
        }
        if (value != chunk.Values.Length)
            throw new ParquetException($"list column '{spec.Name}': {chunk.Values.Length} values decoded, {value} placed");
        return result;
    }

    /// <summary>
    /// One value per row for a top-level field: flat values and lists (as <c>List&lt;object?&gt;</c>) through
    /// <see cref="Shape"/>, structs of such fields as dictionaries, and maps of primitives as key/value lists.
    /// </summary>
    public static object?[] Records(PqField field, int rows, Func<PqDataField, ParquetLeafChunk> read, string at)
    {
        try
        {
            return field switch
            {
                PqStructField s when s.MaxRepetitionLevel == 0 => Struct(s, rows, read, at),
                PqMapField m when m.Key is PqDataField k && m.Value is PqDataField v && k.MaxRepetitionLevel == 1 => Map(m, k, v, rows, read),
                _ when Shape(field) is { } shape => Boxed(shape, Build(shape, read(shape.Leaf), rows)),
                _ => throw new ParquetException($"{at}: a list inside a list or a struct inside a list is not assembled into rows"),
            };
        }
        catch (ParquetException e) when (!e.Message.StartsWith('\''))
        {
            // Assembly errors name the column but not the file; errors from reading a chunk already start with the file's name.
            throw new ParquetException($"{at}: {e.Message}", e);
        }
        catch (Exception e) when (e is not ParquetException and not OutOfMemoryException)
        {
            throw new ParquetException($"{at}: {e.GetType().Name}: {e.Message}", e);
        }
    }

    private static object?[] Boxed(ParquetShape shape, Array data)
    {
        var result = new object?[data.Length];
        for (var i = 0; i < data.Length; i++)
        {
            var v = data.GetValue(i);
            result[i] = shape.Spec.IsList && v is Array a ? a.Cast<object?>().ToList() : v;
        }
        return result;
    }

    private static object?[] Struct(PqStructField s, int rows, Func<PqDataField, ParquetLeafChunk> read, string at)
    {
        var children = s.Fields.Select(c => (c.Name, Records(c, rows, read, $"{at}.{c.Name}"))).ToList();
        var result = new object?[rows];
        for (var r = 0; r < rows; r++)
            result[r] = children.ToDictionary(c => c.Name, c => c.Item2[r]);
        return result;
    }

    private static object?[] Map(PqMapField m, PqDataField key, PqDataField value, int rows, Func<PqDataField, ParquetLeafChunk> read)
    {
        var keys = read(key);
        var values = read(value);
        var rep = keys.Repetition!;
        var kd = keys.Definition;
        var vd = values.Definition;
        if (values.Entries != keys.Entries)
            throw new ParquetException($"map '{m.Name}': {keys.Entries} key entries but {values.Entries} value entries");
        var result = new object?[rows];
        // The key is required inside the repeated key_value group, so the map itself is defined one level below the key.
        var mapLevel = key.MaxDefinitionLevel - 1;
        int row = -1, ki = 0, vi = 0;
        List<KeyValuePair<object?, object?>>? current = null;
        for (var i = 0; i < rep.Length; i++)
        {
            if (rep[i] == 0)
            {
                row++;
                if (row >= rows) throw new ParquetException($"map '{m.Name}' holds more than {rows} records");
                current = null;
                var d = kd?[i] ?? key.MaxDefinitionLevel;
                if (d < mapLevel) continue; // a null map
                current = [];
                result[row] = current;
                if (d == mapLevel) continue; // an empty map
            }
            var k = kd is null || kd[i] == key.MaxDefinitionLevel ? keys.Values.GetValue(ki++) : null;
            var v = vd is null || vd[i] == value.MaxDefinitionLevel ? values.Values.GetValue(vi++) : null;
            if (k is null) continue;
            current?.Add(new(k, v));
        }
        return result;
    }
}
