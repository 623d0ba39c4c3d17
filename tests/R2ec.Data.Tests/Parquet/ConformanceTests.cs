using System.Globalization;
using System.Text.RegularExpressions;
using R2ec.Data.Parquet;
using R2ec.TestSupport;

namespace R2ec.Data.Tests.Parquet;

/// <summary>
/// Reads every file of Apache's parquet-testing corpus in ../shared/parquet-testing through our Parquet.Net layer and
/// checks it against INDEX.md (row count, leaf count, nulls decoded from the levels), or checks that it is refused with
/// a clear error, within bounded time and memory, for the reason listed.
/// </summary>
public sealed partial class ConformanceTests
{
    private static string Dir => RepoPaths.SharedFile("parquet-testing");

    private static string FilePath(string name) => Path.Combine(Dir, name);

    /// <summary>Files Parquet.Net cannot read, or that are malformed: each must be refused, the error naming the file and these words.</summary>
    private static readonly Dictionary<string, (string Reason, string[] Words)> ExpectedFailures = new()
    {
        ["nation.dict-malformed.parquet"] = ("malformed on purpose: a data page runs past its column chunk, which our chunk window cuts off", ["row group 0", "column 'name'"]),
        ["datapage_v1-corrupt-checksum.parquet"] = ("corrupt on purpose: a page's bytes do not match the CRC-32 in its header", ["row group 0", "checksum"]),
        ["rle-dict-uncompressed-corrupt-checksum.parquet"] = ("corrupt on purpose: a page's bytes do not match the CRC-32 in its header", ["row group 0", "checksum"]),
        ["large_string_map.brotli.parquet"] = ("a decompression bomb: 2 GiB declared for a 4 KB file, refused by the footer check", ["column 'arr.key_value.key'", "MaxColumnChunkBytes"]),
        ["byte_stream_split_extended.gzip.parquet"] = ("Parquet.Net 6.1 has no FLOAT16 (System.Half) columns", ["footer", "Half"]),
        ["float16_nonzeros_and_nans.parquet"] = ("Parquet.Net 6.1 has no FLOAT16 (System.Half) columns", ["footer", "Half"]),
        ["float16_zeros_and_nans.parquet"] = ("Parquet.Net 6.1 has no FLOAT16 (System.Half) columns", ["footer", "Half"]),
        ["floating_orders_nan_count.parquet"] = ("Parquet.Net 6.1 has no FLOAT16 (System.Half) columns", ["footer", "Half"]),
        ["datapage_v2.snappy.parquet"] = ("Parquet.Net 6.1 fails on this file's DATA_PAGE_V2 pages", ["row group 0", "column 'd'"]),
        ["datapage_v2_empty_datapage.snappy.parquet"] = ("Parquet.Net 6.1 decompresses an empty DATA_PAGE_V2 page as Snappy", ["row group 0", "column 'value'", "Snappy"]),
        ["dict-page-offset-zero.parquet"] = ("Parquet.Net 6.1 cannot parse this footer", ["footer", "Thrift"]),
        ["hadoop_lz4_compressed_larger.parquet"] = ("Parquet.Net 6.1 has no Hadoop-framed LZ4", ["row group 0", "column 'a'"]),
        ["int96_from_spark.parquet"] = ("INT96 instants beyond DateTime's range (year 290000), which Parquet.Net reads as DateTime", ["row group 0", "column 'a'", "DateTime"]),
        ["nested_structs.rust.parquet"] = ("TIMESTAMP_MICROS leaves holding nanosecond values (year ~52950): no DateTime exists for them", ["column 'ul_observation_date.min'"]),
        ["map_no_value.parquet"] = ("a MAP without a value column, which Parquet.Net's schema does not model", ["footer", "2 children"]),
        ["repeated_no_annotation.parquet"] = ("a legacy repeated group without LIST annotation, which Parquet.Net's schema does not model", ["footer", "Implicit list"]),
    };

    public static IEnumerable<string> AllFiles() =>
        Directory.GetFiles(RepoPaths.SharedFile("parquet-testing"), "*.parquet").Select(Path.GetFileName).Order()!;

    private sealed record IndexRow(long Rows, int Leaves, long? Nulls, string Codec, string[] PhysicalTypes);

    private static readonly Lazy<Dictionary<string, IndexRow>> Index = new(ParseIndex);

    [GeneratedRegex(@"^\| `(?<file>[^`]+\.parquet)` \| [\d,]+ \| (?<rows>\d+)[^|]*\| (?<codec>[A-Z0-9_]+) \|(?:[^|]*\|){2} (?<types>[^/|]*)/[^|]*\| (?<nest>[^|]*)\| (?<nulls>[^|]*)\|")]
    private static partial Regex IndexLine();

    [GeneratedRegex(@"FLBA\([\d,]+\)")]
    private static partial Regex FlbaWidths();

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
    public void File_reads_with_the_documented_rows_or_is_refused_for_a_listed_reason(string name)
    {
        var expected = Index.Value[name];
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            if (ExpectedFailures.TryGetValue(name, out var failure))
            {
                var e = Assert.Throws<ParquetException>(() => ReadAll(name), failure.Reason);
                foreach (var w in failure.Words)
                    Assert.That(e!.Message, Does.Contain(w), $"error for {name} should name '{w}'");
                Assert.That(e!.Message, Does.Contain(name), "the error names the file");
                return;
            }
            var (rows, nulls, leaves) = ReadAll(name);
            Assert.That(rows, Is.EqualTo(expected.Rows), "records assembled from every leaf's levels");
            Assert.That(leaves, Is.EqualTo(expected.Leaves), "leaf columns");
            if (expected.Nulls is { } n)
                Assert.That(nulls, Is.EqualTo(n), "slots with definition level below the maximum");
        }
        finally
        {
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "bounded time");
            Assert.That(GC.GetAllocatedBytesForCurrentThread() - allocated, Is.LessThan(1L << 30), "bounded allocation");
        }
    }

    /// <summary>Reads every leaf chunk of every row group; returns the records (counted on the first leaf), null slots and leaves.</summary>
    private static (long Rows, long Nulls, int Leaves) ReadAll(string name)
    {
        using var reader = ParquetFileReader.Open(FilePath(name));
        long rows = 0, nulls = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            for (var l = 0; l < reader.Schema.Leaves.Count; l++)
            {
                var chunk = reader.ReadLeafChunk(g, l);
                if (l == 0) rows += chunk.Records;
                var max = reader.Schema.Leaves[l].MaxDefinitionLevel;
                if (chunk.Definition is { } def) nulls += def.Count(d => d < max);
            }
        }
        Assert.That(rows, Is.EqualTo(reader.RowCount), "the footer's row count");
        return (rows, nulls, reader.Schema.Leaves.Count);
    }

    [Test]
    public void Malformed_dictionary_file_is_never_read_as_valid()
    {
        // Parquet.Net alone returns 25 rows for it; reading each chunk inside its declared bytes exposes the truncated page.
        using var reader = ParquetFileReader.Open(FilePath("nation.dict-malformed.parquet"));
        var e = Assert.Throws<ParquetException>(() => reader.ReadTable());
        Assert.That(e!.Message, Does.Contain("nation.dict-malformed.parquet").And.Contain("row group 0").And.Contain("column 'name'"));
        Assert.That(() => reader.ReadRows().ToList(), Throws.TypeOf<ParquetException>(), "rows are refused too");
    }

    [Test]
    public void Delta_encoded_file_matches_its_expected_csv()
    {
        foreach (var (file, csv) in new[] { ("delta_binary_packed.parquet", "delta_binary_packed_expect.csv") })
        {
            using var reader = ParquetFileReader.Open(FilePath(file));
            var table = reader.ReadTable();
            var lines = File.ReadAllLines(FilePath(csv));
            var header = lines[0].Split(',');
            Assert.That(table.RowCount, Is.EqualTo(lines.Length - 1), file);
            for (var c = 0; c < header.Length; c++)
            {
                var data = table.Column(header[c]).Data;
                for (var r = 1; r < lines.Length; r++)
                {
                    var text = lines[r].Split(',')[c];
                    var value = data.GetValue(r - 1);
                    Assert.That(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "", Is.EqualTo(text), $"{file} {header[c]} row {r - 1}");
                }
            }
        }
    }
}
