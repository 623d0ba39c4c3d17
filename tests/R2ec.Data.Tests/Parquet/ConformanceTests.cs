using System.Globalization;
using System.Text.RegularExpressions;
using R2ec.Data.Parquet;
using R2ec.TestSupport;

namespace R2ec.Data.Tests.Parquet;

/// <summary>
/// Reads every file of Apache's parquet-testing corpus in ../shared/parquet-testing and checks it against INDEX.md
/// (row count, leaf count, nulls decoded from the levels) and, where a companion file or the README gives values,
/// against those values.
/// </summary>
public sealed partial class ConformanceTests
{
    private static string Dir => RepoPaths.SharedFile("parquet-testing");

    private static string FilePath(string name) => Path.Combine(Dir, name);

    /// <summary>Files that must fail, why, and the words the error must contain (feature and column).</summary>
    private static readonly Dictionary<string, string[]> ExpectedFailures = new()
    {
        // Malformed on purpose: a truncated data page.
        ["nation.dict-malformed.parquet"] = ["column 'name'", "runs past the column chunk"],
        // Page CRCs that do not match: a verifying reader rejects the page.
        ["datapage_v1-corrupt-checksum.parquet"] = ["column 'a'", "CRC mismatch"],
        ["rle-dict-uncompressed-corrupt-checksum.parquet"] = ["column 'long_field'", "CRC mismatch"],
        // Two 2^30-byte strings: a decompression bomb for a 4 KB file; refused by the page-size limit.
        ["large_string_map.brotli.parquet"] = ["column 'arr.key_value.key'", "MaxPageBytes"],
        // TIMESTAMP_MICROS leaves holding nanosecond values (year ~52950): no DateTime exists for them.
        ["nested_structs.rust.parquet"] = ["column 'ul_observation_date.min'", "outside the DateTime range"],
    };

    public static IEnumerable<string> AllFiles() =>
        Directory.GetFiles(RepoPaths.SharedFile("parquet-testing"), "*.parquet").Select(Path.GetFileName).Order()!;

    private sealed record IndexRow(long Rows, int Leaves, long? Nulls, string Codec, string[] PhysicalTypes);

    private static readonly Lazy<Dictionary<string, IndexRow>> Index = new(ParseIndex);

    [GeneratedRegex(@"^\| `(?<file>[^`]+\.parquet)` \| [\d,]+ \| (?<rows>\d+)[^|]*\| (?<codec>[A-Z0-9_]+) \|(?:[^|]*\|){2} (?<types>[^/|]*)/[^|]*\| (?<nest>[^|]*)\| (?<nulls>[^|]*)\|")]
    private static partial Regex IndexLine();

    [GeneratedRegex(@"FLBA\([\d,]+\)")]
    private static partial Regex FlbaWidths();

    // The format's own spelling: FixedLenByteArray -> FIXED_LEN_BYTE_ARRAY, Lz4Raw -> LZ4_RAW.
    private static string SpecName(Enum value) =>
        string.Concat(value.ToString().Select((ch, i) => i > 0 && char.IsUpper(ch) ? "_" + ch : ch.ToString())).ToUpperInvariant();

    [GeneratedRegex(@"(\d+) (cols?|leaf|leaves)\b")]
    private static partial Regex LeafCount();

    private static Dictionary<string, IndexRow> ParseIndex()
    {
        var rows = new Dictionary<string, IndexRow>();
        foreach (var line in File.ReadLines(Path.Combine(Dir, "INDEX.md")))
        {
            var m = IndexLine().Match(line);
            if (!m.Success) continue;
            var leaves = LeafCount().Match(m.Groups["nest"].Value);
            var nullsText = m.Groups["nulls"].Value.Trim();
            long? nulls = nullsText.Contains("(stats)") ? null : long.Parse(nullsText.Split(' ')[0], CultureInfo.InvariantCulture);
            var types = FlbaWidths().Replace(m.Groups["types"].Value, "FIXED_LEN_BYTE_ARRAY")
                .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().Order().ToArray();
            rows[m.Groups["file"].Value] = new IndexRow(long.Parse(m.Groups["rows"].Value, CultureInfo.InvariantCulture),
                leaves.Success ? int.Parse(leaves.Groups[1].Value, CultureInfo.InvariantCulture) : 0, nulls, m.Groups["codec"].Value, types);
        }
        return rows;
    }

    [Test]
    public void Index_describes_every_file_in_the_folder()
    {
        Assert.That(Index.Value.Keys.Order(), Is.EqualTo(AllFiles()));
        Assert.That(Index.Value, Has.Count.EqualTo(52));
        Assert.That(Index.Value.Values.Count(r => r.PhysicalTypes.Length > 0 && r.Codec.Length > 0), Is.EqualTo(52), "every row parsed");
    }

    [TestCaseSource(nameof(AllFiles))]
    public void File_reads_with_the_documented_rows_leaves_and_nulls(string name)
    {
        var expected = Index.Value[name];
        if (ExpectedFailures.TryGetValue(name, out var words))
        {
            var e = Assert.Throws<ParquetException>(() =>
            {
                using var failing = ParquetFileReader.Open(FilePath(name));
                foreach (var _ in failing.ReadRows()) { }
            });
            foreach (var w in words)
                Assert.That(e!.Message, Does.Contain(w), $"error for {name} should name '{w}'");
            Assert.That(e!.Message, Does.Contain(name), "the error names the file");
            return;
        }
        using var reader = ParquetFileReader.Open(FilePath(name));
        Assert.That(reader.RowCount, Is.EqualTo(expected.Rows), "row count");
        Assert.That(reader.Schema.Leaves.Select(l => SpecName(l.PhysicalType)).Distinct().Order(), Is.EqualTo(expected.PhysicalTypes), "physical types");
        if (reader.RowGroupCount > 0)
            Assert.That(reader.RowGroupColumns(0).Select(c => SpecName(c.Codec)).Distinct(), Is.EqualTo(new[] { expected.Codec }), "codec");
        Assert.That(reader.Schema.Leaves, Has.Count.EqualTo(expected.Leaves), "leaf columns");
        Assert.That(reader.ReadRows().LongCount(), Is.EqualTo(expected.Rows), "rows assembled");
        if (expected.Nulls is { } nulls)
            Assert.That(CountNullSlots(reader), Is.EqualTo(nulls), "slots with definition level below the maximum");
    }

    private static long CountNullSlots(ParquetFileReader reader)
    {
        long nulls = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            for (var l = 0; l < reader.Schema.Leaves.Count; l++)
            {
                var chunk = reader.ReadLeafChunk(g, l);
                for (var i = 0; i < chunk.Count; i++)
                    if (chunk.DefAt(i) < chunk.Leaf.MaxDefinitionLevel) nulls++;
            }
        }
        return nulls;
    }

    [Test]
    public void Nested_structs_read_except_the_mislabelled_timestamps()
    {
        using var reader = ParquetFileReader.Open(FilePath("nested_structs.rust.parquet"));
        Assert.That(reader.RowCount, Is.EqualTo(1));
        var readable = reader.Schema.Fields.Where(f => f.Name != "ul_observation_date").Select(f => f.Name).ToList();
        var row = reader.ReadRows(readable).Single();
        Assert.That(row, Has.Length.EqualTo(readable.Count));
        Assert.That(row.All(v => v is Dictionary<string, object?>), Is.True, "every top-level field is a struct");
    }

    [Test]
    public void Corrupt_checksum_file_reads_when_checksums_are_not_verified()
    {
        using var good = ParquetFileReader.Open(FilePath("datapage_v1-uncompressed-checksum.parquet"));
        using var bad = ParquetFileReader.Open(FilePath("datapage_v1-corrupt-checksum.parquet"), new ParquetReadOptions { VerifyChecksums = false });
        Assert.That(bad.ReadTable().Get<int[]>("a").Length, Is.EqualTo(5120));
        using var snappy = ParquetFileReader.Open(FilePath("datapage_v1-snappy-compressed-checksum.parquet"));
        Assert.That(snappy.ReadTable().Get<int[]>("a"), Is.EqualTo(good.ReadTable().Get<int[]>("a")));
        Assert.That(snappy.ReadTable().Get<int[]>("b"), Is.EqualTo(good.ReadTable().Get<int[]>("b")));
    }

    [TestCase("delta_binary_packed.parquet", "delta_binary_packed_expect.csv")]
    [TestCase("delta_byte_array.parquet", "delta_byte_array_expect.csv")]
    [TestCase("delta_encoding_required_column.parquet", "delta_encoding_required_column_expect.csv")]
    public void Delta_files_match_their_expected_csv(string parquet, string csv)
    {
        using var reader = ParquetFileReader.Open(FilePath(parquet));
        var rows = reader.ReadRows().ToList();
        var lines = File.ReadAllLines(FilePath(csv));
        Assert.That(rows, Has.Count.EqualTo(lines.Length - 1));
        var header = SplitCsv(lines[0]);
        Assert.That(header, Has.Length.EqualTo(reader.Schema.Fields.Count));
        for (var c = 0; c < header.Length; c++)
            Assert.That(reader.Schema.Fields[c].Name.TrimEnd(':'), Is.EqualTo(header[c]!.Trim()), "column order");
        for (var r = 0; r < rows.Count; r++)
        {
            var cells = SplitCsv(lines[r + 1]);
            for (var c = 0; c < cells.Length; c++)
            {
                var actual = rows[r][c] switch
                {
                    null => null,
                    IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                    var o => o.ToString(),
                };
                Assert.That(actual, Is.EqualTo(cells[c]), $"{parquet} row {r} column {header[c]}");
            }
        }
    }

    // Fields may be quoted; an empty unquoted field is a null.
    private static string?[] SplitCsv(string line)
    {
        var cells = new List<string?>();
        var i = 0;
        while (i <= line.Length)
        {
            if (i < line.Length && line[i] == '"')
            {
                var end = i + 1;
                var sb = new System.Text.StringBuilder();
                while (end < line.Length)
                {
                    if (line[end] == '"' && end + 1 < line.Length && line[end + 1] == '"') { sb.Append('"'); end += 2; }
                    else if (line[end] == '"') break;
                    else sb.Append(line[end++]);
                }
                cells.Add(sb.ToString());
                i = end + 2;
            }
            else
            {
                var end = line.IndexOf(',', i);
                if (end < 0) end = line.Length;
                cells.Add(end == i ? null : line[i..end]);
                i = end + 1;
            }
        }
        return cells.ToArray();
    }

    [Test]
    public void Alltypes_plain_has_the_impala_values()
    {
        using var reader = ParquetFileReader.Open(FilePath("alltypes_plain.parquet"));
        var t = reader.ReadTable();
        Assert.That(t.Get<int?[]>("id"), Is.EqualTo(new int?[] { 4, 5, 6, 7, 2, 3, 0, 1 }));
        Assert.That(t.Get<bool?[]>("bool_col"), Is.EqualTo(new bool?[] { true, false, true, false, true, false, true, false }));
        Assert.That(t.Get<double?[]>("double_col"), Is.EqualTo(new double?[] { 0, 10.1, 0, 10.1, 0, 10.1, 0, 10.1 }));
        var ts = t.Get<ParquetInt96?[]>("timestamp_col");
        Assert.That(ts[0]!.Value.ToDateTime(), Is.EqualTo(new DateTime(2009, 3, 1, 0, 0, 0, DateTimeKind.Utc)));
        using var snappy = ParquetFileReader.Open(FilePath("alltypes_plain.snappy.parquet"));
        Assert.That(snappy.ReadTable().Get<int?[]>("id"), Is.EqualTo(new int?[] { 6, 7 }));
    }

    [TestCase("int32_decimal.parquet")]
    [TestCase("byte_array_decimal.parquet")]
    [TestCase("fixed_length_decimal.parquet")]
    [TestCase("fixed_length_decimal_legacy.parquet")]
    public void Decimal_files_hold_one_to_twenty_four(string name)
    {
        using var reader = ParquetFileReader.Open(FilePath(name));
        var values = reader.ReadRows().Select(r => (decimal)r[0]!).ToArray();
        Assert.That(values, Is.EqualTo(Enumerable.Range(1, 24).Select(i => (decimal)i).ToArray()));
        Assert.That(values[0].Scale, Is.EqualTo(2));
    }

    [Test]
    public void Byte_stream_split_columns_equal_their_plain_twins()
    {
        using var reader = ParquetFileReader.Open(FilePath("byte_stream_split_extended.gzip.parquet"));
        var rows = reader.ReadRows().ToList();
        var fields = reader.Schema.Fields;
        for (var c = 0; c < fields.Count; c += 2)
        {
            Assert.That(fields[c + 1].Name, Does.EndWith("_byte_stream_split"));
            Assert.That(rows.Select(r => r[c + 1]), Is.EqualTo(rows.Select(r => r[c])), fields[c].Name);
        }
    }

    [Test]
    public void Int96_from_spark_matches_the_documented_microseconds()
    {
        using var reader = ParquetFileReader.Open(FilePath("int96_from_spark.parquet"));
        var micros = reader.ReadTable().Get<ParquetInt96?[]>("a").Select(v => v?.ToUnixMicros()).ToArray();
        Assert.That(micros, Is.EqualTo(new long?[]
            { 1704141296123456, 1704070800000000, 253402225200000000, 1735599600000000, null, 9089380393200000000 }));
    }

    [Test]
    public void Nested_lists_maps_and_legacy_lists_assemble()
    {
        using (var r = ParquetFileReader.Open(FilePath("old_list_structure.parquet")))
            Assert.That(Render(r.ReadRows().Single()[0]), Is.EqualTo("[[1,2],[3,4]]"));
        using (var r = ParquetFileReader.Open(FilePath("null_list.parquet")))
            Assert.That(Render(r.ReadRows().Single()[0]), Is.EqualTo("[]"));
        using (var r = ParquetFileReader.Open(FilePath("nested_lists.snappy.parquet")))
            Assert.That(r.ReadRows().Select(row => Render(row[0])).First(), Is.EqualTo("[[[a,b],[c]],[null,[d]]]"));
        using (var r = ParquetFileReader.Open(FilePath("map_no_value.parquet")))
        {
            var rows = r.ReadRows().ToList();
            Assert.That(rows.Select(row => Render(row[0])), Is.EqualTo(new[] { "{1:null,2:null,3:null}", "{4:null,5:null,6:null}", "{7:null,8:null,9:null}" }));
            Assert.That(rows.Select(row => Render(row[2])), Is.EqualTo(new[] { "[1,2,3]", "[4,5,6]", "[7,8,9]" }));
        }
        using (var r = ParquetFileReader.Open(FilePath("nonnullable.impala.parquet")))
            Assert.That(Render(r.ReadRows().Single()), Is.EqualTo(
                "[8,[-1],[[-1,-2],[]],{k1:-1},[{},{k1:1},{},{}],{a:-1,B:[-1],c:{D:[[{e:-1,f:nonnullable}]]},G:{}}]"));
        using (var r = ParquetFileReader.Open(FilePath("repeated_primitive_no_list.parquet")))
            Assert.That(Render(r.ReadRows().First()), Is.EqualTo(
                "[[0,1,2,3],[foo,zero,one,two],{Int32_list_in_group:[0,1,2,3],String_list_in_group:[foo,zero,one,two]}]"));
        using (var r = ParquetFileReader.Open(FilePath("nulls.snappy.parquet")))
            Assert.That(r.ReadRows().Select(row => Render(row[0])), Is.All.EqualTo("{b_c_int:null}"));
    }

    [Test]
    public void Typed_table_reads_three_level_lists()
    {
        using var reader = ParquetFileReader.Open(FilePath("datapage_v2.snappy.parquet"));
        var t = reader.ReadTable();
        var e = t.Column("e");
        Assert.That(e.Spec.IsList, Is.True);
        Assert.That(Render(e.Data), Is.EqualTo("[[1,2,3],null,null,[1,2,3],[1,2]]"));
        Assert.That(t.Get<string?[]>("a"), Is.EqualTo(new[] { "abc", "abc", "abc", null, "abc" }));
    }

    [Test]
    public void Float16_values_decode_with_nan_and_signed_zero()
    {
        using var reader = ParquetFileReader.Open(FilePath("float16_nonzeros_and_nans.parquet"));
        var v = reader.ReadTable().Get<Half?[]>("x");
        Assert.That(v.Select(h => h.HasValue ? (double)h.Value : (double?)null).Take(3), Is.EqualTo(new double?[] { null, 1.0, -2.0 }));
        Assert.That(Half.IsNaN(v[3]!.Value), Is.True);
        Assert.That(Half.IsNegative(v[6]!.Value) && v[6] == (Half)0, Is.True, "-0.0 keeps its sign");
    }

    [Test]
    public void Fixed_length_byte_array_descends_with_105_nulls()
    {
        using var reader = ParquetFileReader.Open(FilePath("fixed_length_byte_array.parquet"));
        var values = reader.ReadTable().Get<byte[]?[]>("flba_field");
        Assert.That(values.Count(v => v is null), Is.EqualTo(105));
        var ints = values.Where(v => v is not null).Select(v => System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(v)).ToArray();
        Assert.That(ints, Is.Ordered.Descending);
        Assert.That(ints[0], Is.EqualTo(1000));
    }

    [Test]
    public void Lz4_framings_and_lz4_raw_hold_the_same_table()
    {
        string[] files = ["lz4_raw_compressed.parquet", "non_hadoop_lz4_compressed.parquet"];
        var rendered = files.Select(f =>
        {
            using var r = ParquetFileReader.Open(FilePath(f));
            return Render(r.ReadRows().ToList());
        }).ToList();
        Assert.That(rendered[1], Is.EqualTo(rendered[0]));
        using var hadoop = ParquetFileReader.Open(FilePath("hadoop_lz4_compressed_larger.parquet"));
        Assert.That(hadoop.ReadTable().Get<string[]>("a"), Has.All.Length.EqualTo(36));
    }

    [Test]
    public void Trap_files_behave_as_documented()
    {
        using (var r = ParquetFileReader.Open(FilePath("dict-page-offset-zero.parquet")))
            Assert.That(r.ReadTable().Get<int?[]>("l_partkey")[0], Is.EqualTo(1552));
        using (var r = ParquetFileReader.Open(FilePath("repeated_no_annotation.parquet")))
            Assert.That(r.RowCount, Is.EqualTo(6), "row count comes from the row groups, not FileMetaData.num_rows");
        using (var r = ParquetFileReader.Open(FilePath("column_chunk_key_value_metadata.parquet")))
            Assert.That(r.ReadTable().RowCount, Is.EqualTo(0));
        using (var r = ParquetFileReader.Open(FilePath("concatenated_gzip_members.parquet")))
            Assert.That(r.ReadTable().Get<ulong?[]>("long_col"), Is.EqualTo(Enumerable.Range(1, 513).Select(i => (ulong?)i).ToArray()));
        using (var r = ParquetFileReader.Open(FilePath("unknown-logical-type.parquet")))
        {
            Assert.That(r.Schema.Leaves[1].Logical.Kind, Is.EqualTo(LogicalKind.Unrecognized));
            Assert.That(r.ReadTable().Columns[1].Data, Is.TypeOf<byte[][]>());
        }
        using (var r = ParquetFileReader.Open(FilePath("delta_encoding_required_column.parquet")))
            Assert.That(r.Schema.Fields.All(f => f.Name.EndsWith(':')), Is.True);
        using (var r = ParquetFileReader.Open(FilePath("single_nan.parquet")))
            Assert.That(r.ReadTable().Get<double?[]>("mycol"), Is.EqualTo(new double?[] { null }));
        using (var r = ParquetFileReader.Open(FilePath("sort_columns.parquet")))
            Assert.That(r.RowGroupCount, Is.EqualTo(2));
    }

    /// <summary>Compact text of an assembled value: lists [a,b], structs {k:v}, maps {k:v}.</summary>
    internal static string Render(object? v) => v switch
    {
        null => "null",
        string s => s,
        Dictionary<string, object?> d => "{" + string.Join(",", d.Select(kv => kv.Key + ":" + Render(kv.Value))) + "}",
        List<KeyValuePair<object?, object?>> m => "{" + string.Join(",", m.Select(kv => Render(kv.Key) + ":" + Render(kv.Value))) + "}",
        byte[] b => "0x" + Convert.ToHexString(b),
        System.Collections.IEnumerable e => "[" + string.Join(",", e.Cast<object?>().Select(Render)) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString()!,
    };
}
