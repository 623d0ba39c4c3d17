using R2ec.Data.Parquet;
using R2ec.Data.Parquet.Encodings;
using R2ec.Data.Parquet.Format;
using R2ec.Data.Parquet.Reading;

namespace R2ec.Data.Tests.Parquet;

/// <summary>How annotated physical values become CLR values (the corpus has no TIME, few units of TIMESTAMP).</summary>
public sealed class LogicalTypeTests
{
    private static object Convert(PhysicalType physical, LogicalType? logical, int? converted, Action<ValueBuffer> fill, int typeLength = 0)
    {
        var schema = ParquetSchema.Build(
        [
            new SchemaElement { Name = "schema", NumChildren = 1 },
            new SchemaElement { Name = "v", Type = physical, RepetitionType = Repetition.Required, Logical = logical, ConvertedType = converted, TypeLength = typeLength, Scale = 2, Precision = 9 },
        ], "test.parquet");
        var leaf = schema.Leaves[0];
        var buffer = new ValueBuffer(physical, typeLength, long.MaxValue, "v");
        fill(buffer);
        return ValueConverter.BoxedGetter(leaf, buffer, "test")(0);
    }

    private static Action<ValueBuffer> Long(long v) => b => { var i = b.Reserve(1); b.Longs[i] = v; };
    private static Action<ValueBuffer> Int(int v) => b => { var i = b.Reserve(1); b.Ints[i] = v; };
    private static Action<ValueBuffer> Bytes(params byte[] v) => b => { var i = b.Reserve(1); b.Starts[i] = b.AppendHeap(v); b.Lengths[i] = v.Length; };

    [Test]
    public void Timestamps_of_every_unit_and_the_utc_flag()
    {
        var instant = new DateTime(2021, 6, 1, 12, 30, 45, DateTimeKind.Utc).AddTicks(1234567);
        var micros = (instant.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        Assert.That(Convert(PhysicalType.Int64, new(LogicalKind.Timestamp, TimeUnit.Micros, true), null, Long(micros)),
            Is.EqualTo(instant.AddTicks(-7)));
        Assert.That(Convert(PhysicalType.Int64, new(LogicalKind.Timestamp, TimeUnit.Nanos, true), null, Long(micros * 1000 + 999)),
            Is.EqualTo(instant.AddTicks(+2)), "nanoseconds round down to 100 ns ticks");
        var local = (DateTime)Convert(PhysicalType.Int64, new(LogicalKind.Timestamp, TimeUnit.Millis, false), null, Long(micros / 1000));
        Assert.That((local.Kind, local.Ticks), Is.EqualTo((DateTimeKind.Unspecified, instant.Ticks - 1234567 + 1230000)));
        Assert.That(((DateTime)Convert(PhysicalType.Int64, null, 9, Long(0))).Kind, Is.EqualTo(DateTimeKind.Utc), "TIMESTAMP_MILLIS converted type");
    }

    [Test]
    public void Time_date_decimal_and_integer_annotations()
    {
        Assert.That(Convert(PhysicalType.Int32, new(LogicalKind.Time, TimeUnit.Millis, true), null, Int(3_723_004)), Is.EqualTo(new TimeOnly(1, 2, 3, 4)));
        Assert.That(Convert(PhysicalType.Int64, null, 8, Long(3_723_004_005)), Is.EqualTo(new TimeOnly(1, 2, 3, 4, 5)), "TIME_MICROS");
        Assert.Throws<ParquetException>(() => Convert(PhysicalType.Int64, new(LogicalKind.Time, TimeUnit.Nanos, true), null, Long(-1)));
        Assert.That(Convert(PhysicalType.Int32, null, 6, Int(18_000)), Is.EqualTo(new DateOnly(2019, 4, 14)));
        Assert.That(Convert(PhysicalType.Int64, null, 5, Long(-12345)), Is.EqualTo(-123.45m));
        Assert.That(Convert(PhysicalType.ByteArray, null, 5, Bytes(0xFF, 0x85)), Is.EqualTo(-1.23m), "big-endian two's complement");
        Assert.That(Convert(PhysicalType.Int32, new(LogicalKind.Integer, BitWidth: 32, IsSigned: false), null, Int(-1)), Is.EqualTo(uint.MaxValue));
        Assert.That(Convert(PhysicalType.Int64, null, 14, Long(-1)), Is.EqualTo(ulong.MaxValue), "UINT_64");
        Assert.That(Convert(PhysicalType.ByteArray, new(LogicalKind.Json), null, Bytes("{\"a\":1}"u8.ToArray())), Is.EqualTo("{\"a\":1}"));
        Assert.That(Convert(PhysicalType.ByteArray, null, 4, Bytes("RED"u8.ToArray())), Is.EqualTo("RED"), "ENUM");
    }

    [Test]
    public void Decimal_too_wide_for_System_Decimal_is_an_error_not_a_wrong_value()
    {
        var wide = new byte[16];
        wide[0] = 0x7F;
        var e = Assert.Throws<ParquetException>(() => Convert(PhysicalType.FixedLenByteArray, null, 5, Bytes(wide), typeLength: 16));
        Assert.That(e!.Message, Does.Contain("column 'v'").And.Contain("does not fit System.Decimal"));
    }
}
