namespace R2ec.Data.Parquet.Reading;

/// <summary>
/// Rebuilds nested records from the definition and repetition levels of leaf columns. Each leaf is first turned into
/// one nested value per row along its own path (lists for repeated fields, null where a level says so); leaves under a
/// common group are then zipped into dictionaries, and LIST/MAP annotations are unwrapped into lists and key/value pairs.
/// Values are: scalars, <see cref="List{T}"/> of object?, <see cref="Dictionary{TKey,TValue}"/> string → object?
/// for structs, and <see cref="List{T}"/> of <see cref="KeyValuePair{TKey,TValue}"/> for maps.
/// </summary>
internal static class RecordAssembler
{
    /// <summary>Per-row values of one top-level field, from the chunks of all its leaves (in leaf order).</summary>
    public static object?[] AssembleField(ParquetField field, IReadOnlyList<LeafChunk> leaves, int rows, string what)
    {
        var perLeaf = leaves.Select(l => ShredLeaf(l, rows, what)).ToArray();
        var result = new object?[rows];
        var vals = new object?[perLeaf.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < perLeaf.Length; j++) vals[j] = perLeaf[j][r];
            result[r] = Present(field, Merge(field, vals, what));
        }
        return result;
    }

    private static object?[] ShredLeaf(LeafChunk chunk, int rows, string what)
    {
        var leaf = chunk.Leaf;
        var path = new List<ParquetField>();
        for (var f = leaf.Field; f is not null; f = f.Parent) path.Add(f);
        path.Reverse();
        var defAt = new int[path.Count];
        var repAt = new int[path.Count];
        int d = 0, rp = 0;
        for (var i = 0; i < path.Count; i++)
        {
            if (path[i].Repetition != Repetition.Required) d++;
            if (path[i].Repetition == Repetition.Repeated) rp++;
            defAt[i] = d;
            repAt[i] = rp;
        }
        var repNode = new int[leaf.MaxRepetitionLevel + 1];
        for (var i = 0; i < path.Count; i++)
            if (path[i].Repetition == Repetition.Repeated) repNode[repAt[i]] = i;
        var get = ValueConverter.BoxedGetter(leaf, chunk.Values, what);
        var openLists = new List<object?>?[path.Count];
        var result = new object?[rows];
        var row = -1;
        var valueIndex = 0;
        for (var e = 0; e < chunk.Count; e++)
        {
            var def = chunk.DefAt(e);
            var rep = chunk.RepAt(e);
            if (rep == 0)
            {
                row++;
                if (row >= rows)
                    throw new ParquetException($"{what}: column '{leaf.Path}' holds more than the row group's {rows} rows");
                result[row] = ValueAt(0, def);
            }
            else
            {
                var j = repNode[rep];
                if (openLists[j] is null || def < defAt[j])
                    throw new ParquetException($"{what}: column '{leaf.Path}' has repetition level {rep} with no open list (definition level {def})");
                openLists[j]!.Add(InnerAt(j, def));
            }
        }
        if (row != rows - 1)
            throw new ParquetException($"{what}: column '{leaf.Path}' holds {row + 1} rows but the row group says {rows}");
        return result;

        object? ValueAt(int i, int def)
        {
            var node = path[i];
            switch (node.Repetition)
            {
                case Repetition.Optional when node.IsGroup:
                    return def < defAt[i] ? null : new Defined(InnerAt(i, def));
                case Repetition.Optional:
                    return def < defAt[i] ? null : InnerAt(i, def);
                case Repetition.Repeated:
                {
                    var list = new List<object?>();
                    openLists[i] = list;
                    if (def >= defAt[i]) list.Add(InnerAt(i, def));
                    return list;
                }
                default:
                    return InnerAt(i, def);
            }
        }

        object? InnerAt(int i, int def)
        {
            // Deeper lists opened by an earlier entry are closed once an outer element starts.
            for (var k = i + 1; k < openLists.Length; k++) openLists[k] = null;
            if (i < path.Count - 1)
                return ValueAt(i + 1, def);
            if (def != leaf.MaxDefinitionLevel)
                throw new ParquetException($"{what}: column '{leaf.Path}' has definition level {def} below a required field");
            if (valueIndex >= chunk.Values.Count)
                throw new ParquetException($"{what}: column '{leaf.Path}' has fewer values than its levels announce");
            return get(valueIndex++);
        }
    }

    // vals[j] is the value of leaf j (of those under node) at this node.
    private static object? Merge(ParquetField node, ReadOnlySpan<object?> vals, string what)
    {
        if (node.Repetition == Repetition.Repeated)
        {
            var lists = new List<object?>[vals.Length];
            for (var j = 0; j < vals.Length; j++) lists[j] = vals[j] as List<object?> ?? throw Disagree(node, what);
            var n = lists[0].Count;
            foreach (var l in lists)
            {
                if (l.Count != n)
                    throw new ParquetException($"{what}: leaves of '{node.Path}' disagree on a list's length ({l.Count} vs {n})");
            }
            var result = new List<object?>(n);
            var items = new object?[vals.Length];
            for (var e = 0; e < n; e++)
            {
                for (var j = 0; j < lists.Length; j++) items[j] = lists[j][e];
                result.Add(MergeInner(node, items, what));
            }
            return result;
        }
        if (node.Repetition == Repetition.Optional && node.IsGroup)
        {
            if (vals[0] is null)
                return null;
            var inner = new object?[vals.Length];
            for (var j = 0; j < vals.Length; j++)
                inner[j] = vals[j] is Defined d ? d.Value : throw Disagree(node, what);
            return MergeInner(node, inner, what);
        }
        return MergeInner(node, vals, what);
    }

    private static ParquetException Disagree(ParquetField node, string what) =>
        new($"{what}: the leaf columns of '{node.Path}' disagree on whether it is present");

    private static object? MergeInner(ParquetField node, ReadOnlySpan<object?> vals, string what)
    {
        if (!node.IsGroup)
            return vals[0];
        var dict = new Dictionary<string, object?>(node.Children.Count);
        var offset = 0;
        foreach (var child in node.Children)
        {
            dict[child.Name] = Merge(child, vals.Slice(offset, child.LeafCount), what);
            offset += child.LeafCount;
        }
        return dict;
    }

    /// <summary>Marks an optional group that is present, so that a null inside it is not taken for the group's absence.</summary>
    private sealed class Defined(object? value)
    {
        public object? Value { get; } = value;
    }

    /// <summary>Unwraps LIST and MAP groups (modern and legacy layouts) into lists and key/value pairs.</summary>
    private static object? Present(ParquetField f, object? raw)
    {
        if (raw is null) return null;
        if (f.Repetition == Repetition.Repeated)
            return ((List<object?>)raw).Select(x => PresentOne(f, x)).ToList();
        return PresentOne(f, raw);
    }

    private static object? PresentOne(ParquetField f, object? x) =>
        x is null ? null : f.IsGroup ? PresentGroup(f, (Dictionary<string, object?>)x) : x;

    private static object? PresentGroup(ParquetField f, Dictionary<string, object?> dict)
    {
        if (f.Children.Count == 1 && f.Children[0].Repetition == Repetition.Repeated)
        {
            var r = f.Children[0];
            var items = (List<object?>)dict[r.Name]!;
            if (f.Logical.Kind == LogicalKind.List)
            {
                if (!r.IsGroup)
                    return items;
                // Backward-compatibility rules: a repeated group with one child is the list's wrapper, unless it is
                // named "array" or "<list>_tuple", in which case it is the element itself.
                if (r.Children.Count == 1 && r.Name != "array" && r.Name != f.Name + "_tuple")
                {
                    var c = r.Children[0];
                    return items.Select(it => it is null ? null : Present(c, ((Dictionary<string, object?>)it)[c.Name])).ToList();
                }
                return items.Select(it => PresentOne(r, it)).ToList();
            }
            if (f.Logical.Kind is LogicalKind.Map or LogicalKind.MapKeyValue && r.IsGroup && r.Children.Count is 1 or 2)
            {
                var k = r.Children[0];
                var v = r.Children.Count == 2 ? r.Children[1] : null;
                return items.Select(it =>
                {
                    var kv = (Dictionary<string, object?>)it!;
                    return new KeyValuePair<object?, object?>(Present(k, kv[k.Name]), v is null ? null : Present(v, kv[v.Name]));
                }).ToList();
            }
        }
        var result = new Dictionary<string, object?>(f.Children.Count);
        foreach (var c in f.Children) result[c.Name] = Present(c, dict[c.Name]);
        return result;
    }
}
