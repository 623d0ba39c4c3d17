using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace R2ec.Data.Parquet.Reading;

/// <summary>Renders a column's min/max statistics bytes for people (the stats command).</summary>
internal static class StatisticsText
{
    public static string? Format(ParquetLeaf leaf, byte[]? bytes)
    {
        if (bytes is null) return null;
        var c = CultureInfo.InvariantCulture;
        return leaf.PhysicalType switch
        {
            PhysicalType.Boolean when bytes.Length >= 1 => (bytes[0] != 0).ToString(c),
            PhysicalType.Int32 when bytes.Length >= 4 => BinaryPrimitives.ReadInt32LittleEndian(bytes).ToString(c),
            PhysicalType.Int64 when bytes.Length >= 8 => leaf.Logical.Kind == LogicalKind.Timestamp
                ? SafeTimestamp(BinaryPrimitives.ReadInt64LittleEndian(bytes), leaf)
                : BinaryPrimitives.ReadInt64LittleEndian(bytes).ToString(c),
            PhysicalType.Float when bytes.Length >= 4 => BinaryPrimitives.ReadSingleLittleEndian(bytes).ToString("R", c),
            PhysicalType.Double when bytes.Length >= 8 => BinaryPrimitives.ReadDoubleLittleEndian(bytes).ToString("R", c),
            PhysicalType.ByteArray when leaf.Logical.Kind is LogicalKind.String or LogicalKind.Enum or LogicalKind.Json =>
                Encoding.UTF8.GetString(bytes),
            _ => "0x" + Convert.ToHexString(bytes),
        };
    }

    private static string SafeTimestamp(long v, ParquetLeaf leaf)
    {
        try
        {
            return ValueConverter.ToTimestamp(v, leaf.Logical, leaf.Path).ToString("O", CultureInfo.InvariantCulture);
        }
        catch (ParquetException)
        {
            return v.ToString(CultureInfo.InvariantCulture);
        }
    }
}
