using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using R2ec.Data.Parquet.Encodings;

namespace R2ec.Data.Parquet.Reading;

/// <summary>Maps a leaf's physical values to CLR values according to its annotation.</summary>
internal static class ValueConverter
{
    /// <summary>The value type a leaf reads as.</summary>
    public static ParquetValueType ValueType(ParquetLeaf leaf)
    {
        var lt = leaf.Logical;
        return leaf.PhysicalType switch
        {
            PhysicalType.Boolean => ParquetValueType.Boolean,
            PhysicalType.Int32 => lt.Kind switch
            {
                LogicalKind.Date => ParquetValueType.Date,
                LogicalKind.Time => ParquetValueType.Time,
                LogicalKind.Decimal => ParquetValueType.Decimal,
                LogicalKind.Integer when !lt.IsSigned && lt.BitWidth == 32 => ParquetValueType.UInt32,
                _ => ParquetValueType.Int32,
            },
            PhysicalType.Int64 => lt.Kind switch
            {
                LogicalKind.Timestamp => ParquetValueType.Timestamp,
                LogicalKind.Time => ParquetValueType.Time,
                LogicalKind.Decimal => ParquetValueType.Decimal,
                LogicalKind.Integer when !lt.IsSigned => ParquetValueType.UInt64,
                _ => ParquetValueType.Int64,
            },
            PhysicalType.Int96 => ParquetValueType.Int96,
            PhysicalType.Float => ParquetValueType.Float,
            PhysicalType.Double => ParquetValueType.Double,
            PhysicalType.ByteArray => lt.Kind switch
            {
                LogicalKind.String or LogicalKind.Enum or LogicalKind.Json => ParquetValueType.String,
                LogicalKind.Decimal => ParquetValueType.Decimal,
                _ => ParquetValueType.Bytes,
            },
            _ => lt.Kind switch
            {
                LogicalKind.Decimal => ParquetValueType.Decimal,
                LogicalKind.Float16 when leaf.Field.TypeLength == 2 => ParquetValueType.Float16,
                _ => ParquetValueType.Bytes,
            },
        };
    }

    /// <summary>A function that returns value <c>i</c> of a chunk's buffer as <typeparamref name="T"/>.</summary>
    public static Func<int, T> Getter<T>(ParquetLeaf leaf, ValueBuffer v, string context)
    {
        var type = ValueType(leaf);
        var lt = leaf.Logical;
        var what = $"{context} column '{leaf.Path}'";
        object f = type switch
        {
            ParquetValueType.Boolean => (Func<int, bool>)(i => v.Bools[i]),
            ParquetValueType.Int32 => (Func<int, int>)(i => v.Ints[i]),
            ParquetValueType.UInt32 => (Func<int, uint>)(i => unchecked((uint)v.Ints[i])),
            ParquetValueType.Date => (Func<int, DateOnly>)(i => ToDate(v.Ints[i], what)),
            ParquetValueType.Int64 => (Func<int, long>)(i => v.Longs[i]),
            ParquetValueType.UInt64 => (Func<int, ulong>)(i => unchecked((ulong)v.Longs[i])),
            ParquetValueType.Timestamp => (Func<int, DateTime>)(i => ToTimestamp(v.Longs[i], lt, what)),
            ParquetValueType.Time => leaf.PhysicalType == PhysicalType.Int32
                ? (Func<int, TimeOnly>)(i => ToTime(v.Ints[i], lt, what))
                : (Func<int, TimeOnly>)(i => ToTime(v.Longs[i], lt, what)),
            ParquetValueType.Float => (Func<int, float>)(i => v.Floats[i]),
            ParquetValueType.Double => (Func<int, double>)(i => v.Doubles[i]),
            ParquetValueType.Int96 => (Func<int, ParquetInt96>)(i => ParquetInt96.FromBytes(v.GetBytes(i))),
            ParquetValueType.String => StringGetter(v, v.SharesDictionary, what),
            ParquetValueType.Float16 => (Func<int, Half>)(i => BinaryPrimitives.ReadHalfLittleEndian(v.GetBytes(i))),
            ParquetValueType.Decimal => leaf.PhysicalType switch
            {
                PhysicalType.Int32 => (Func<int, decimal>)(i => ToDecimal(v.Ints[i], lt.Scale, what)),
                PhysicalType.Int64 => (Func<int, decimal>)(i => ToDecimal(v.Longs[i], lt.Scale, what)),
                _ => (Func<int, decimal>)(i => ToDecimal(new BigInteger(v.GetBytes(i), isUnsigned: false, isBigEndian: true), lt.Scale, what)),
            },
            _ => (Func<int, byte[]>)(i => v.GetBytes(i).ToArray()),
        };
        return f as Func<int, T> ?? throw new ParquetException($"{what} reads as {type}, not {typeof(T).Name}");
    }

    /// <summary>The physical array itself when values need no conversion (INT32 as int, INT64 as long, FLOAT, DOUBLE, BOOLEAN).</summary>
    public static T[]? Direct<T>(ParquetLeaf leaf, ValueBuffer v) => ValueType(leaf) switch
    {
        ParquetValueType.Int32 => v.Ints as T[],
        ParquetValueType.Int64 => v.Longs as T[],
        ParquetValueType.Float => v.Floats as T[],
        ParquetValueType.Double => v.Doubles as T[],
        ParquetValueType.Boolean => v.Bools as T[],
        _ => null,
    };

    /// <summary>A boxing getter for the generic record reader.</summary>
    public static Func<int, object> BoxedGetter(ParquetLeaf leaf, ValueBuffer v, string c) => ValueType(leaf) switch
    {
        ParquetValueType.Boolean => Box(Getter<bool>(leaf, v, c)),
        ParquetValueType.Int32 => Box(Getter<int>(leaf, v, c)),
        ParquetValueType.UInt32 => Box(Getter<uint>(leaf, v, c)),
        ParquetValueType.Date => Box(Getter<DateOnly>(leaf, v, c)),
        ParquetValueType.Int64 => Box(Getter<long>(leaf, v, c)),
        ParquetValueType.UInt64 => Box(Getter<ulong>(leaf, v, c)),
        ParquetValueType.Timestamp => Box(Getter<DateTime>(leaf, v, c)),
        ParquetValueType.Time => Box(Getter<TimeOnly>(leaf, v, c)),
        ParquetValueType.Float => Box(Getter<float>(leaf, v, c)),
        ParquetValueType.Double => Box(Getter<double>(leaf, v, c)),
        ParquetValueType.Int96 => Box(Getter<ParquetInt96>(leaf, v, c)),
        ParquetValueType.String => Getter<string>(leaf, v, c),
        ParquetValueType.Float16 => Box(Getter<Half>(leaf, v, c)),
        ParquetValueType.Decimal => Box(Getter<decimal>(leaf, v, c)),
        _ => Getter<byte[]>(leaf, v, c),
    };

    private static Func<int, object> Box<T>(Func<int, T> f) where T : notnull => i => f(i);

    // Strict: invalid UTF-8 in a STRING column is corrupt data, not text to patch with replacement characters.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string Decode(ReadOnlySpan<byte> bytes, string what)
    {
        try
        {
            return Utf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ParquetException($"{what}: STRING value is not valid UTF-8");
        }
    }

    private static Func<int, string> StringGetter(ValueBuffer v, bool cached, string what)
    {
        if (!cached)
            return i => Decode(v.GetBytes(i), what);
        // Dictionary-encoded values share their bytes; decode each distinct (start, length) once.
        var cache = new Dictionary<long, string>();
        return i =>
        {
            var key = ((long)v.Starts[i] << 32) | (uint)v.Lengths[i];
            if (v.Lengths[i] > 64 || !cache.TryGetValue(key, out var s))
            {
                s = Decode(v.GetBytes(i), what);
                if (v.Lengths[i] <= 64 && cache.Count < 1 << 16) cache[key] = s;
            }
            return s;
        };
    }

    private static DateOnly ToDate(int days, string what)
    {
        var d = (long)DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + days;
        if (d < DateOnly.MinValue.DayNumber || d > DateOnly.MaxValue.DayNumber)
            throw new ParquetException($"{what}: DATE {days} lies outside the supported range");
        return DateOnly.FromDayNumber((int)d);
    }

    private static TimeOnly ToTime(long value, LogicalType lt, string what)
    {
        var ticks = lt.Unit switch
        {
            TimeUnit.Millis => (Int128)value * 10_000,
            TimeUnit.Micros => (Int128)value * 10,
            _ => value / 100,
        };
        if (value < 0 || ticks >= TimeSpan.TicksPerDay)
            throw new ParquetException($"{what}: TIME {value} ({lt.Unit}) is not a time of day");
        return new TimeOnly((long)ticks);
    }

    public static DateTime ToTimestamp(long value, LogicalType lt, string what)
    {
        Int128 ticks = lt.Unit switch
        {
            TimeUnit.Millis => (Int128)value * 10_000,
            TimeUnit.Micros => (Int128)value * 10,
            _ => value / 100,
        };
        ticks += DateTime.UnixEpoch.Ticks;
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
            throw new ParquetException($"{what}: TIMESTAMP {value} ({lt.Unit}) lies outside the DateTime range");
        return new DateTime((long)ticks, lt.IsAdjustedToUtc ? DateTimeKind.Utc : DateTimeKind.Unspecified);
    }

    private static decimal ToDecimal(BigInteger unscaled, int scale, string what)
    {
        if (scale is < 0 or > 28)
            throw new ParquetException($"{what}: DECIMAL scale {scale} is outside what System.Decimal holds (0..28)");
        var abs = BigInteger.Abs(unscaled);
        if (abs.GetBitLength() > 96)
            throw new ParquetException($"{what}: DECIMAL value {unscaled} does not fit System.Decimal");
        var bytes = abs.ToByteArray(isUnsigned: true, isBigEndian: false);
        Span<byte> padded = stackalloc byte[12];
        bytes.AsSpan(0, Math.Min(bytes.Length, 12)).CopyTo(padded);
        return new decimal(BinaryPrimitives.ReadInt32LittleEndian(padded), BinaryPrimitives.ReadInt32LittleEndian(padded[4..]),
            BinaryPrimitives.ReadInt32LittleEndian(padded[8..]), unscaled.Sign < 0, (byte)scale);
    }
}
