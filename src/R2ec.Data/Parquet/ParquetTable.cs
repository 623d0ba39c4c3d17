namespace R2ec.Data.Parquet;

/// <summary>The value types a table column can hold; the first seven are the ones the writer writes.</summary>
public enum ParquetValueType
{
    /// <summary><see cref="int"/> (INT32).</summary>
    Int32,
    /// <summary><see cref="long"/> (INT64).</summary>
    Int64,
    /// <summary><see cref="float"/> (FLOAT).</summary>
    Float,
    /// <summary><see cref="double"/> (DOUBLE).</summary>
    Double,
    /// <summary><see cref="string"/> (BYTE_ARRAY, STRING/ENUM/JSON).</summary>
    String,
    /// <summary><see cref="bool"/> (BOOLEAN).</summary>
    Boolean,
    /// <summary><see cref="DateTime"/> (INT64 TIMESTAMP, written as microseconds, UTC; also INT96 and DATE columns as Parquet.Net reads them).</summary>
    Timestamp,
    /// <summary><see cref="T:byte[]"/> (un-annotated BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY). Read only.</summary>
    Bytes,
    /// <summary><see cref="DateOnly"/> (INT32 DATE). Read only.</summary>
    Date,
    /// <summary><see cref="decimal"/> (DECIMAL on INT32, INT64, BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY). Read only.</summary>
    Decimal,
    /// <summary><see cref="Half"/> (FLOAT16). Read only.</summary>
    Float16,
    /// <summary><see cref="uint"/> (INT32 annotated unsigned). Read only.</summary>
    UInt32,
    /// <summary><see cref="ulong"/> (INT64 annotated unsigned). Read only.</summary>
    UInt64,
    /// <summary><see cref="TimeOnly"/> (TIME on INT32 millis or INT64 micros). Read only.</summary>
    Time,
}

/// <summary>
/// A column of a row-oriented table. Its <see cref="Data"/> array has one entry per row, of this CLR shape:
/// <list type="bullet">
/// <item>flat, required: <c>T[]</c> (e.g. <c>int[]</c>, <c>string[]</c>, <c>DateTime[]</c>);</item>
/// <item>flat, nullable: <c>T?[]</c> (e.g. <c>int?[]</c>; <c>string[]</c> with nulls);</item>
/// <item>list: <c>E[][]</c> where <c>E</c> is <c>T</c>, or <c>T?</c> when <see cref="ElementNullable"/>; the outer entries are null only when <see cref="Nullable"/>.</item>
/// </list>
/// </summary>
/// <param name="Name">Column name.</param>
/// <param name="Type">Value type.</param>
/// <param name="Nullable">Whether a row's value (or list) may be null.</param>
/// <param name="IsList">Whether each row holds a list of values.</param>
/// <param name="ElementNullable">Whether list elements may be null.</param>
public sealed record ParquetColumnSpec(
    string Name,
    ParquetValueType Type,
    bool Nullable = false,
    bool IsList = false,
    bool ElementNullable = false)
{
    /// <summary>The CLR type of one value.</summary>
    public Type ValueClrType => Type switch
    {
        ParquetValueType.Int32 => typeof(int),
        ParquetValueType.Int64 => typeof(long),
        ParquetValueType.Float => typeof(float),
        ParquetValueType.Double => typeof(double),
        ParquetValueType.String => typeof(string),
        ParquetValueType.Boolean => typeof(bool),
        ParquetValueType.Timestamp => typeof(DateTime),
        ParquetValueType.Bytes => typeof(byte[]),
        ParquetValueType.Date => typeof(DateOnly),
        ParquetValueType.Decimal => typeof(decimal),
        ParquetValueType.Float16 => typeof(Half),
        ParquetValueType.UInt32 => typeof(uint),
        ParquetValueType.UInt64 => typeof(ulong),
        ParquetValueType.Time => typeof(TimeOnly),
        _ => throw new ParquetException($"column '{Name}': unknown value type {Type}"),
    };

    /// <summary>The CLR type of the column's data array.</summary>
    public Type DataClrType
    {
        get
        {
            var t = ValueClrType;
            var nullable = IsList ? ElementNullable : Nullable;
            var element = nullable && t.IsValueType ? typeof(Nullable<>).MakeGenericType(t) : t;
            return IsList ? element.MakeArrayType().MakeArrayType() : element.MakeArrayType();
        }
    }
}

/// <summary>A column's spec and its data (see <see cref="ParquetColumnSpec"/> for the data's shape).</summary>
/// <param name="Spec">Name, type and shape.</param>
/// <param name="Data">One entry per row.</param>
public sealed record ParquetColumn(ParquetColumnSpec Spec, Array Data);

/// <summary>A row-oriented table: named columns of equal length, plus file key-value metadata.</summary>
public sealed class ParquetTable
{
    /// <summary>Creates a table, checking that every column's data has the spec's CLR shape and the same row count.</summary>
    public ParquetTable(IReadOnlyList<ParquetColumn> columns, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Columns = columns;
        Metadata = metadata ?? new Dictionary<string, string>();
        RowCount = columns.Count == 0 ? 0 : columns[0].Data.Length;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in columns)
        {
            if (!names.Add(c.Spec.Name))
                throw new ParquetException($"column '{c.Spec.Name}' appears twice");
            if (c.Data.GetType() != c.Spec.DataClrType)
                throw new ParquetException($"column '{c.Spec.Name}': data is {c.Data.GetType().Name} but the spec needs {c.Spec.DataClrType.Name}");
            if (c.Data.Length != RowCount)
                throw new ParquetException($"column '{c.Spec.Name}' has {c.Data.Length} rows, column '{columns[0].Spec.Name}' has {RowCount}");
        }
    }

    /// <summary>The columns.</summary>
    public IReadOnlyList<ParquetColumn> Columns { get; }

    /// <summary>File key-value metadata (written into, and read from, the footer).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Rows in every column.</summary>
    public int RowCount { get; }

    /// <summary>The column of this name.</summary>
    public ParquetColumn Column(string name) =>
        Columns.FirstOrDefault(c => c.Spec.Name == name)
        ?? throw new ParquetException($"no column '{name}'; columns are: {string.Join(", ", Columns.Select(c => c.Spec.Name))}");

    /// <summary>The data of the named column, cast to its CLR shape (e.g. <c>table.Get&lt;int[]&gt;("id")</c>).</summary>
    public T Get<T>(string name) where T : class =>
        Column(name).Data as T ?? throw new ParquetException($"column '{name}' holds {Column(name).Data.GetType().Name}, not {typeof(T).Name}");
}
