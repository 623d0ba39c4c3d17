namespace R2ec.Data.Parquet;

/// <summary>
/// A deprecated INT96 timestamp as Impala and Spark write it: nanoseconds within the day and the Julian day number.
/// Kept as is because many stored values (Spark's year 290000, for one) lie outside <see cref="DateTime"/>'s range.
/// </summary>
/// <param name="NanosOfDay">Nanoseconds since midnight.</param>
/// <param name="JulianDay">Julian day number (2440588 is 1970-01-01).</param>
public readonly record struct ParquetInt96(long NanosOfDay, int JulianDay)
{
    private const int UnixEpochJulianDay = 2440588;

    /// <summary>Decodes the 12 stored bytes.</summary>
    public static ParquetInt96 FromBytes(ReadOnlySpan<byte> bytes) =>
        new(BitConverter.ToInt64(bytes[..8]), BitConverter.ToInt32(bytes.Slice(8, 4)));

    /// <summary>
    /// Microseconds since the Unix epoch, computed as Spark computes them: in wrapping 64-bit arithmetic. Spark writes
    /// instants beyond the nanosecond range (year 290000, say) with an overflowed day and nanosecond pair that this
    /// wrap-around turns back into the instant it meant.
    /// </summary>
    public long ToUnixMicros() => unchecked((JulianDay - (long)UnixEpochJulianDay) * 86_400_000_000L + NanosOfDay / 1000);

    /// <summary>The instant as a UTC <see cref="DateTime"/>; throws <see cref="ParquetException"/> outside its range.</summary>
    public DateTime ToDateTime()
    {
        var ticks = DateTime.UnixEpoch.Ticks + (Int128)ToUnixMicros() * 10 + NanosOfDay % 1000 / 100;
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
            throw new ParquetException($"INT96 timestamp (day {JulianDay}, {NanosOfDay} ns) lies outside the DateTime range");
        return new DateTime((long)ticks, DateTimeKind.Utc);
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var micros = ToUnixMicros();
        var ticks = DateTime.UnixEpoch.Ticks + (Int128)micros * 10;
        return ticks >= DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks
            ? new DateTime((long)ticks, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture)
            : $"{micros}us since 1970";
    }
}
