using System.Text;
using PqDataField = Parquet.Schema.DataField;
using PqSchemaElement = Parquet.Meta.SchemaElement;

namespace R2ec.Data.Parquet;

/// <summary>A leaf column: its path, physical type, annotation and maximum definition/repetition levels.</summary>
public sealed class ParquetLeaf
{
    internal ParquetLeaf(int index, PqDataField field, string physicalType, string logical)
    {
        Index = index;
        Field = field;
        PhysicalType = physicalType;
        Logical = logical;
    }

    /// <summary>Position among the file's leaf columns (= column chunk index in every row group).</summary>
    public int Index { get; }

    /// <summary>Dotted path, e.g. <c>history.list.element</c>.</summary>
    public string Path => string.Join('.', Field.Path.ToList());

    /// <summary>Physical type in the format's spelling (<c>INT32</c>, <c>BYTE_ARRAY</c>, …).</summary>
    public string PhysicalType { get; }

    /// <summary>Annotation of the leaf (<c>String</c>, <c>Timestamp(Micros)</c>, …); empty when none.</summary>
    public string Logical { get; }

    /// <summary>Highest definition level (a value is present at exactly this level).</summary>
    public int MaxDefinitionLevel => Field.MaxDefinitionLevel;

    /// <summary>Highest repetition level.</summary>
    public int MaxRepetitionLevel => Field.MaxRepetitionLevel;

    internal PqDataField Field { get; }
}

/// <summary>The schema of a Parquet file as its footer states it: top-level field names, leaf columns, and the tree as text.</summary>
public sealed class ParquetSchema
{
    private readonly string _text;

    private ParquetSchema(IReadOnlyList<string> fields, IReadOnlyList<ParquetLeaf> leaves, string text)
    {
        Fields = fields;
        Leaves = leaves;
        _text = text;
    }

    /// <summary>Names of the top-level fields.</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>Leaf columns in file order.</summary>
    public IReadOnlyList<ParquetLeaf> Leaves { get; }

    internal static ParquetSchema Build(IReadOnlyList<PqSchemaElement> elements, IReadOnlyList<PqDataField> dataFields,
        IReadOnlyList<string> topNames, string file)
    {
        var leafElements = elements.Skip(1).Where(e => (e.NumChildren ?? 0) == 0 && e.Type is not null).ToList();
        if (leafElements.Count != dataFields.Count)
            throw new ParquetException($"'{file}': the schema has {leafElements.Count} leaf columns but {dataFields.Count} were resolved");
        var leaves = dataFields.Select((f, i) => new ParquetLeaf(i, f, Spelled(leafElements[i].Type!.Value), Logical(leafElements[i]))).ToList();
        var sb = new StringBuilder("message schema {\n");
        var pos = 1;
        for (var i = 0; i < (elements[0].NumChildren ?? 0) && pos < elements.Count; i++)
            Append(sb, elements, ref pos, 1);
        return new ParquetSchema(topNames, leaves, sb.Append('}').ToString());
    }

    private static void Append(StringBuilder sb, IReadOnlyList<PqSchemaElement> elements, ref int pos, int indent)
    {
        var e = elements[pos++];
        var repetition = (e.RepetitionType ?? global::Parquet.Meta.FieldRepetitionType.REQUIRED).ToString().ToLowerInvariant();
        sb.Append(' ', indent * 2).Append(repetition).Append(' ');
        var logical = Logical(e);
        if ((e.NumChildren ?? 0) > 0 || e.Type is null)
        {
            sb.Append("group ").Append(e.Name);
            if (logical.Length > 0) sb.Append(" (").Append(logical).Append(')');
            sb.Append(" {\n");
            for (var c = 0; c < (e.NumChildren ?? 0) && pos < elements.Count; c++) Append(sb, elements, ref pos, indent + 1);
            sb.Append(' ', indent * 2).Append("}\n");
            return;
        }
        sb.Append(Spelled(e.Type.Value).ToLowerInvariant());
        if (e.Type == global::Parquet.Meta.Type.FIXED_LEN_BYTE_ARRAY) sb.Append('(').Append(e.TypeLength).Append(')');
        sb.Append(' ').Append(e.Name);
        if (logical.Length > 0) sb.Append(" (").Append(logical).Append(')');
        sb.Append(";\n");
    }

    private static string Spelled(global::Parquet.Meta.Type type) => type.ToString();

    /// <summary>The annotation in words: the logical type where the footer has one, else the converted type.</summary>
    internal static string Logical(PqSchemaElement e)
    {
        var lt = e.LogicalType;
        if (lt is not null)
        {
            if (lt.STRING is not null) return "String";
            if (lt.MAP is not null) return "Map";
            if (lt.LIST is not null) return "List";
            if (lt.ENUM is not null) return "Enum";
            if (lt.DECIMAL is { } d) return $"Decimal({d.Precision},{d.Scale})";
            if (lt.DATE is not null) return "Date";
            if (lt.TIME is { } t) return $"Time({Unit(t.Unit)})";
            if (lt.TIMESTAMP is { } ts) return $"Timestamp({Unit(ts.Unit)})";
            if (lt.INTEGER is { } i) return $"Integer({i.BitWidth},{(i.IsSigned ? "signed" : "unsigned")})";
            if (lt.JSON is not null) return "Json";
            if (lt.BSON is not null) return "Bson";
            if (lt.UUID is not null) return "Uuid";
            if (lt.FLOAT16 is not null) return "Float16";
            return "Unrecognized";
        }
        return e.ConvertedType switch
        {
            null => "",
            global::Parquet.Meta.ConvertedType.UTF8 => "String",
            global::Parquet.Meta.ConvertedType.MAP => "Map",
            global::Parquet.Meta.ConvertedType.MAP_KEY_VALUE => "MapKeyValue",
            global::Parquet.Meta.ConvertedType.LIST => "List",
            global::Parquet.Meta.ConvertedType.DECIMAL => $"Decimal({e.Precision},{e.Scale})",
            { } other => other.ToString(),
        };
    }

    private static string Unit(global::Parquet.Meta.TimeUnit u) =>
        u.MILLIS is not null ? "Millis" : u.MICROS is not null ? "Micros" : u.NANOS is not null ? "Nanos" : "?";

    /// <summary>The schema in the parquet-tools message notation.</summary>
    public override string ToString() => _text;
}
