namespace R2ec.Data.Parquet;

/// <summary>Maps the CLR types Parquet.Net reads to ours (see <see cref="ParquetValueType"/>) and back.</summary>
internal static class ParquetValues
{
    /// <summary>Our value type for a CLR type Parquet.Net reads; null where we have none.</summary>
    public static ParquetValueType? TypeOf(Type clr) =>
        clr == typeof(int) || clr == typeof(short) || clr == typeof(sbyte) || clr == typeof(byte) || clr == typeof(ushort) ? ParquetValueType.Int32
        : clr == typeof(long) ? ParquetValueType.Int64
        : clr == typeof(float) ? ParquetValueType.Float
        : clr == typeof(double) ? ParquetValueType.Double
        : clr == typeof(string) || clr == typeof(ReadOnlyMemory<char>) ? ParquetValueType.String
        : clr == typeof(bool) ? ParquetValueType.Boolean
        : clr == typeof(DateTime) ? ParquetValueType.Timestamp
        : clr == typeof(byte[]) || clr == typeof(ReadOnlyMemory<byte>) ? ParquetValueType.Bytes
        : clr == typeof(DateOnly) ? ParquetValueType.Date
        : clr == typeof(decimal) ? ParquetValueType.Decimal
        : clr == typeof(Half) ? ParquetValueType.Float16
        : clr == typeof(uint) ? ParquetValueType.UInt32
        : clr == typeof(ulong) ? ParquetValueType.UInt64
        : clr == typeof(TimeSpan) || clr == typeof(TimeOnly) ? ParquetValueType.Time
        : null;

    /// <summary>Converts the values Parquet.Net decoded into our CLR types (small integers widen, bytes copy out, times of day become <see cref="TimeOnly"/>).</summary>
    public static Array ToOurs<T>(T[] values) => values switch
    {
        short[] a => Array.ConvertAll(a, v => (int)v),
        sbyte[] a => Array.ConvertAll(a, v => (int)v),
        byte[] a => Array.ConvertAll(a, v => (int)v),
        ushort[] a => Array.ConvertAll(a, v => (int)v),
        ReadOnlyMemory<byte>[] a => Array.ConvertAll(a, v => v.ToArray()),
        ReadOnlyMemory<char>[] a => Array.ConvertAll(a, v => v.ToString()),
        TimeSpan[] a => Array.ConvertAll(a, v => TimeOnly.FromTimeSpan(v)),
        _ when TypeOf(typeof(T)) is not null => values,
        _ => throw new ParquetException($"values of type {typeof(T).Name} are not supported"),
    };
}
