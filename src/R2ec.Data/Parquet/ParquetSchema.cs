using System.Text;
using R2ec.Data.Parquet.Format;

namespace R2ec.Data.Parquet;

/// <summary>A node of a file's schema tree: a group (with children) or a primitive leaf column.</summary>
public sealed class ParquetField
{
    internal ParquetField(string name, Repetition repetition, PhysicalType? physicalType, int typeLength,
        LogicalType logical, ParquetField? parent)
    {
        Name = name;
        Repetition = repetition;
        PhysicalType = physicalType;
        TypeLength = typeLength;
        Logical = logical;
        Parent = parent;
    }

    /// <summary>The field's name.</summary>
    public string Name { get; }

    /// <summary>Required, optional or repeated.</summary>
    public Repetition Repetition { get; }

    /// <summary>The physical type of a leaf; null for a group.</summary>
    public PhysicalType? PhysicalType { get; }

    /// <summary>Byte length of a FIXED_LEN_BYTE_ARRAY leaf.</summary>
    public int TypeLength { get; }

    /// <summary>The annotation (logical type, or the converted type mapped onto one).</summary>
    public LogicalType Logical { get; }

    /// <summary>The enclosing group; null for a top-level field.</summary>
    public ParquetField? Parent { get; }

    /// <summary>Children of a group, in schema order.</summary>
    public IReadOnlyList<ParquetField> Children => _children;

    internal readonly List<ParquetField> _children = [];

    /// <summary>Whether this is a group rather than a leaf.</summary>
    public bool IsGroup => PhysicalType is null;

    /// <summary>The leaf column this is, for a leaf.</summary>
    public ParquetLeaf? Leaf { get; internal set; }

    /// <summary>Index of the first leaf column under this field and how many there are.</summary>
    internal int FirstLeaf, LeafCount;

    /// <summary>Dotted path from the top.</summary>
    public string Path => Parent is null ? Name : Parent.Path + "." + Name;
}

/// <summary>A leaf column: its path, physical type, annotation and maximum definition/repetition levels.</summary>
public sealed class ParquetLeaf
{
    internal ParquetLeaf(int index, ParquetField field, int maxDef, int maxRep)
    {
        Index = index;
        Field = field;
        MaxDefinitionLevel = maxDef;
        MaxRepetitionLevel = maxRep;
    }

    /// <summary>Position among the file's leaf columns (= column chunk index in every row group).</summary>
    public int Index { get; }

    /// <summary>The schema node.</summary>
    public ParquetField Field { get; }

    /// <summary>Dotted path, e.g. <c>history.list.element</c>.</summary>
    public string Path => Field.Path;

    /// <summary>Physical type.</summary>
    public PhysicalType PhysicalType => Field.PhysicalType!.Value;

    /// <summary>Annotation of the leaf itself.</summary>
    public LogicalType Logical => Field.Logical;

    /// <summary>Highest definition level (a value is present at exactly this level).</summary>
    public int MaxDefinitionLevel { get; }

    /// <summary>Highest repetition level.</summary>
    public int MaxRepetitionLevel { get; }

    /// <summary>The top-level field this leaf belongs to.</summary>
    public ParquetField TopField
    {
        get
        {
            var f = Field;
            while (f.Parent is not null) f = f.Parent;
            return f;
        }
    }
}

/// <summary>The schema of a Parquet file: top-level fields and the flattened leaf columns.</summary>
public sealed class ParquetSchema
{
    private ParquetSchema(List<ParquetField> fields, List<ParquetLeaf> leaves)
    {
        Fields = fields;
        Leaves = leaves;
    }

    /// <summary>Top-level fields.</summary>
    public IReadOnlyList<ParquetField> Fields { get; }

    /// <summary>Leaf columns in file order.</summary>
    public IReadOnlyList<ParquetLeaf> Leaves { get; }

    /// <summary>The top-level field of this name.</summary>
    public ParquetField Field(string name) =>
        Fields.FirstOrDefault(f => f.Name == name)
        ?? throw new ParquetException($"no column '{name}'; columns are: {string.Join(", ", Fields.Select(f => f.Name))}");

    internal static ParquetSchema Build(IReadOnlyList<SchemaElement> elements, string file)
    {
        if (elements.Count == 0)
            throw new ParquetException($"'{file}': footer has an empty schema");
        var fields = new List<ParquetField>();
        var leaves = new List<ParquetLeaf>();
        var pos = 1;
        var rootChildren = elements[0].NumChildren;
        if (rootChildren < 0 || rootChildren > elements.Count)
            throw new ParquetException($"'{file}': schema root claims {rootChildren} children but the schema has {elements.Count} elements");
        for (var i = 0; i < rootChildren; i++)
            fields.Add(BuildField(elements, ref pos, null, 0, 0, leaves, file, 1));
        if (pos != elements.Count)
            throw new ParquetException($"'{file}': schema has {elements.Count - pos} elements outside the tree");
        return new ParquetSchema(fields, leaves);
    }

    private static ParquetField BuildField(IReadOnlyList<SchemaElement> elements, ref int pos, ParquetField? parent,
        int def, int rep, List<ParquetLeaf> leaves, string file, int depth)
    {
        if (pos >= elements.Count)
            throw new ParquetException($"'{file}': schema ends before all children were listed");
        if (depth > 64)
            throw new ParquetException($"'{file}': schema nested deeper than 64 levels");
        var e = elements[pos++];
        var repetition = e.RepetitionType ?? Repetition.Required;
        if (repetition != Repetition.Required) def++;
        if (repetition == Repetition.Repeated) rep++;
        var logical = e.Logical is { } lt ? Refine(lt, e) : FromConverted(e);
        if (e.NumChildren > 0 || e.Type is null)
        {
            if (e.NumChildren <= 0)
                throw new ParquetException($"'{file}': schema field '{e.Name}' has neither a type nor children");
            var group = new ParquetField(e.Name, repetition, null, 0, logical, parent) { FirstLeaf = leaves.Count };
            if (e.NumChildren > elements.Count - pos)
                throw new ParquetException($"'{file}': schema field '{e.Name}' claims {e.NumChildren} children, more than the schema holds");
            for (var i = 0; i < e.NumChildren; i++)
                group._children.Add(BuildField(elements, ref pos, group, def, rep, leaves, file, depth + 1));
            group.LeafCount = leaves.Count - group.FirstLeaf;
            return group;
        }
        if (e.Type == Parquet.PhysicalType.FixedLenByteArray && (e.TypeLength <= 0 || e.TypeLength > 1 << 20))
            throw new ParquetException($"'{file}': column '{e.Name}' is FIXED_LEN_BYTE_ARRAY with invalid length {e.TypeLength}");
        var leafField = new ParquetField(e.Name, repetition, e.Type, e.TypeLength, logical, parent)
        {
            FirstLeaf = leaves.Count,
            LeafCount = 1,
        };
        var leaf = new ParquetLeaf(leaves.Count, leafField, def, rep);
        leafField.Leaf = leaf;
        leaves.Add(leaf);
        return leafField;
    }

    // Old writers put decimal parameters on the element, not in DecimalType.
    private static LogicalType Refine(LogicalType lt, SchemaElement e) =>
        lt.Kind == LogicalKind.Decimal && lt.Precision == 0 ? lt with { Scale = e.Scale, Precision = e.Precision } : lt;

    private static LogicalType FromConverted(SchemaElement e) => e.ConvertedType switch
    {
        null => LogicalType.None,
        0 => new(LogicalKind.String),
        1 => new(LogicalKind.Map),
        2 => new(LogicalKind.MapKeyValue),
        3 => new(LogicalKind.List),
        4 => new(LogicalKind.Enum),
        5 => new(LogicalKind.Decimal, Scale: e.Scale, Precision: e.Precision),
        6 => new(LogicalKind.Date),
        7 => new(LogicalKind.Time, TimeUnit.Millis, true),
        8 => new(LogicalKind.Time, TimeUnit.Micros, true),
        9 => new(LogicalKind.Timestamp, TimeUnit.Millis, true),
        10 => new(LogicalKind.Timestamp, TimeUnit.Micros, true),
        11 => new(LogicalKind.Integer, BitWidth: 8, IsSigned: false),
        12 => new(LogicalKind.Integer, BitWidth: 16, IsSigned: false),
        13 => new(LogicalKind.Integer, BitWidth: 32, IsSigned: false),
        14 => new(LogicalKind.Integer, BitWidth: 64, IsSigned: false),
        15 => new(LogicalKind.Integer, BitWidth: 8, IsSigned: true),
        16 => new(LogicalKind.Integer, BitWidth: 16, IsSigned: true),
        17 => new(LogicalKind.Integer, BitWidth: 32, IsSigned: true),
        18 => new(LogicalKind.Integer, BitWidth: 64, IsSigned: true),
        19 => new(LogicalKind.Json),
        20 => new(LogicalKind.Bson),
        21 => new(LogicalKind.Interval),
        _ => new(LogicalKind.Unrecognized),
    };

    /// <summary>The schema in the parquet-tools message notation.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("message schema {\n");
        foreach (var f in Fields) Append(sb, f, 1);
        return sb.Append('}').ToString();
    }

    private static void Append(StringBuilder sb, ParquetField f, int indent)
    {
        sb.Append(' ', indent * 2).Append(f.Repetition.ToString().ToLowerInvariant()).Append(' ');
        if (f.IsGroup)
        {
            sb.Append("group ").Append(f.Name);
            if (f.Logical.Kind != LogicalKind.None) sb.Append(" (").Append(f.Logical).Append(')');
            sb.Append(" {\n");
            foreach (var c in f.Children) Append(sb, c, indent + 1);
            sb.Append(' ', indent * 2).Append("}\n");
            return;
        }
        sb.Append(f.PhysicalType!.Value.ToString().ToLowerInvariant());
        if (f.PhysicalType == Parquet.PhysicalType.FixedLenByteArray) sb.Append('(').Append(f.TypeLength).Append(')');
        sb.Append(' ').Append(f.Name);
        if (f.Logical.Kind != LogicalKind.None) sb.Append(" (").Append(f.Logical).Append(')');
        sb.Append(";\n");
    }
}
