using R2ec.Data.Parquet;

namespace R2ec.Data.Tests.Parquet;

/// <summary>Seeded tables of every writable type and shape, with nulls, empty lists, empty and non-ASCII strings.</summary>
internal static class TestTables
{
    public static readonly ParquetValueType[] WritableTypes =
    [
        ParquetValueType.Int32, ParquetValueType.Int64, ParquetValueType.Float, ParquetValueType.Double,
        ParquetValueType.String, ParquetValueType.Boolean, ParquetValueType.Timestamp,
    ];

    /// <summary>Every (type, nullable, list, element nullable) combination the writer supports.</summary>
    public static IEnumerable<ParquetColumnSpec> AllSpecs()
    {
        foreach (var t in WritableTypes)
        {
            var n = t.ToString().ToLowerInvariant();
            yield return new ParquetColumnSpec(n, t);
            yield return new ParquetColumnSpec(n + "_opt", t, Nullable: true);
            yield return new ParquetColumnSpec(n + "_list", t, IsList: true);
            yield return new ParquetColumnSpec(n + "_optlist", t, Nullable: true, IsList: true);
            yield return new ParquetColumnSpec(n + "_list_optelem", t, IsList: true, ElementNullable: true);
            yield return new ParquetColumnSpec(n + "_optlist_optelem", t, Nullable: true, IsList: true, ElementNullable: true);
        }
    }

    public static ParquetTable Random(int rows, int seed, IEnumerable<ParquetColumnSpec>? specs = null,
        IReadOnlyDictionary<string, string>? metadata = null, int distinct = 0)
    {
        var rng = new Random(seed);
        var columns = (specs ?? AllSpecs()).Select(s => new ParquetColumn(s, Data(s, rows, rng, distinct))).ToList();
        return new ParquetTable(columns, metadata);
    }

    private static Array Data(ParquetColumnSpec spec, int rows, Random rng, int distinct)
    {
        var elementType = spec.DataClrType.GetElementType()!;
        var data = Array.CreateInstance(elementType, rows);
        for (var r = 0; r < rows; r++)
        {
            if (spec.Nullable && rng.Next(7) == 0)
                continue;
            if (!spec.IsList)
            {
                data.SetValue(Value(spec.Type, rng, distinct), r);
                continue;
            }
            var length = rng.Next(6) == 0 ? 0 : rng.Next(1, 25);
            var list = Array.CreateInstance(elementType.GetElementType()!, length);
            for (var k = 0; k < length; k++)
            {
                if (spec.ElementNullable && rng.Next(5) == 0) continue;
                list.SetValue(Value(spec.Type, rng, distinct), k);
            }
            data.SetValue(list, r);
        }
        return data;
    }

    private static readonly string[] Words = ["", "a", "héllo", "日本語のテキスト", "emoji 🎬🍿", "Ünïcödé ß", "plain ascii title", "tab\tand\nnewline"];

    private static object Value(ParquetValueType type, Random rng, int distinct)
    {
        var pick = distinct > 0 ? rng.Next(distinct) : rng.Next();
        return type switch
        {
            ParquetValueType.Int32 => distinct > 0 ? pick : rng.Next(int.MinValue, int.MaxValue),
            ParquetValueType.Int64 => distinct > 0 ? (long)pick : rng.NextInt64(long.MinValue, long.MaxValue),
            ParquetValueType.Float => rng.Next(40) == 0 ? float.NaN : distinct > 0 ? pick * 0.5f : (float)(rng.NextDouble() * 2e6 - 1e6),
            ParquetValueType.Double => rng.Next(40) == 0 ? double.NegativeInfinity : distinct > 0 ? pick * 0.25 : rng.NextDouble() * 1e12 - 5e11,
            ParquetValueType.String => distinct > 0 ? Words[pick % Words.Length] + pick : Words[rng.Next(Words.Length)] + (rng.Next(3) == 0 ? "" : rng.Next().ToString()),
            ParquetValueType.Boolean => rng.Next(2) == 0,
            ParquetValueType.Timestamp => DateTime.UnixEpoch.AddTicks((distinct > 0 ? pick : rng.NextInt64(-30_000_000_000_000L, 60_000_000_000_000L)) * 10),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
    }
}
