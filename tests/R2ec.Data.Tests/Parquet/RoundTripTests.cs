using R2ec.Data.Parquet;

namespace R2ec.Data.Tests.Parquet;

/// <summary>Write, then read back: the same data for every type, shape, encoding, compression and page format.</summary>
public sealed class RoundTripTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "r2ec-parquet-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static void AssertSameTable(ParquetTable actual, ParquetTable expected)
    {
        Assert.That(actual.RowCount, Is.EqualTo(expected.RowCount));
        Assert.That(actual.Columns.Select(c => c.Spec), Is.EqualTo(expected.Columns.Select(c => c.Spec)));
        for (var c = 0; c < expected.Columns.Count; c++)
            Assert.That(actual.Columns[c].Data, Is.EqualTo(expected.Columns[c].Data).AsCollection, expected.Columns[c].Spec.Name);
    }

    public static IEnumerable<TestCaseData> Layouts()
    {
        ParquetCompression[] codecs = [ParquetCompression.Uncompressed, ParquetCompression.Snappy, ParquetCompression.Gzip,
            ParquetCompression.Zstd, ParquetCompression.Lz4Raw, ParquetCompression.Brotli];
        foreach (var codec in codecs)
        foreach (var dictionary in new[] { true, false })
        foreach (var v2 in new[] { false, true })
            yield return new TestCaseData(codec, dictionary, v2).SetName($"RoundTrip_{codec}_{(dictionary ? "dict" : "plain")}_{(v2 ? "v2" : "v1")}");
    }

    [TestCaseSource(nameof(Layouts))]
    public void Every_type_and_shape_round_trips(ParquetCompression codec, bool dictionary, bool v2)
    {
        var metadata = new Dictionary<string, string> { ["manifest"] = "{\"name\":\"ml-1m\",\"rows\":300}", ["ünï"] = "çödé" };
        var table = TestTables.Random(300, seed: 7, metadata: metadata, distinct: dictionary ? 13 : 0);
        var path = Path.Combine(_dir, "t.parquet");
        ParquetFileWriter.Write(path, table, new ParquetWriteOptions
        {
            Compression = codec, Dictionary = dictionary, DataPageV2 = v2, PageTargetBytes = 2048, MaxRowGroupRows = 128,
        });
        using var reader = ParquetFileReader.Open(path);
        Assert.That(reader.RowGroupCount, Is.EqualTo(3));
        Assert.That(reader.Metadata["manifest"], Is.EqualTo(metadata["manifest"]));
        Assert.That(reader.Metadata["ünï"], Is.EqualTo("çödé"));
        AssertSameTable(reader.ReadTable(), table);
        var encodings = reader.RowGroupColumns(0).SelectMany(c => c.Encodings).Distinct().ToList();
        Assert.That(encodings.Contains(ParquetEncoding.RleDictionary), Is.EqualTo(dictionary));
        Assert.That(reader.RowGroupColumns(0).Select(c => c.Codec), Is.All.EqualTo(codec));
    }

    [Test]
    public void Generic_rows_agree_with_the_typed_table()
    {
        var specs = new[]
        {
            new ParquetColumnSpec("id", ParquetValueType.Int64),
            new ParquetColumnSpec("title", ParquetValueType.String, Nullable: true),
            new ParquetColumnSpec("history", ParquetValueType.Int32, Nullable: true, IsList: true, ElementNullable: true),
        };
        var table = TestTables.Random(50, seed: 3, specs);
        var path = Path.Combine(_dir, "rows.parquet");
        ParquetFileWriter.Write(path, table);
        using var reader = ParquetFileReader.Open(path);
        var rows = reader.ReadRows().ToList();
        for (var r = 0; r < rows.Count; r++)
        {
            Assert.That(rows[r][0], Is.EqualTo(table.Get<long[]>("id")[r]));
            Assert.That(rows[r][1], Is.EqualTo(table.Get<string?[]>("title")[r]));
            var history = table.Get<int?[]?[]>("history")[r];
            Assert.That(ConformanceTests.Render(rows[r][2]), Is.EqualTo(ConformanceTests.Render(history)));
        }
    }

    [Test]
    public void Empty_table_and_empty_strings_round_trip()
    {
        var specs = new[] { new ParquetColumnSpec("s", ParquetValueType.String), new ParquetColumnSpec("l", ParquetValueType.Int32, IsList: true) };
        var empty = new ParquetTable([new(specs[0], Array.Empty<string>()), new(specs[1], Array.Empty<int[]>())]);
        var path = Path.Combine(_dir, "empty.parquet");
        ParquetFileWriter.Write(path, empty);
        using (var reader = ParquetFileReader.Open(path))
            AssertSameTable(reader.ReadTable(), empty);
        var blanks = new ParquetTable([new(specs[0], new[] { "", "", "x" }), new(specs[1], new[] { Array.Empty<int>(), [], [1] })]);
        ParquetFileWriter.Write(path, blanks);
        using (var reader = ParquetFileReader.Open(path))
            AssertSameTable(reader.ReadTable(), blanks);
    }

    [Test]
    public void Large_dictionary_falls_back_to_plain()
    {
        var spec = new ParquetColumnSpec("s", ParquetValueType.String);
        var values = Enumerable.Range(0, 5000).Select(i => "unique value number " + i).ToArray();
        var table = new ParquetTable([new(spec, values)]);
        var path = Path.Combine(_dir, "fallback.parquet");
        ParquetFileWriter.Write(path, table, new ParquetWriteOptions { MaxDictionaryBytes = 10_000 });
        using var reader = ParquetFileReader.Open(path);
        Assert.That(reader.RowGroupColumns(0)[0].Encodings, Does.Not.Contain(ParquetEncoding.RleDictionary));
        Assert.That(reader.ReadTable().Get<string[]>("s"), Is.EqualTo(values));
    }

    [Test]
    public void Row_groups_follow_the_target_size_and_stream_one_at_a_time()
    {
        var specs = new[] { new ParquetColumnSpec("id", ParquetValueType.Int64), new ParquetColumnSpec("x", ParquetValueType.Double) };
        var table = TestTables.Random(10_000, seed: 5, specs);
        var path = Path.Combine(_dir, "groups.parquet");
        ParquetFileWriter.Write(path, table, new ParquetWriteOptions { RowGroupTargetBytes = 40_000 });
        using var reader = ParquetFileReader.Open(path);
        Assert.That(reader.RowGroupCount, Is.InRange(4, 8), "16 bytes a row, 40 kB a group");
        var ids = reader.ReadRowGroups(["id"]).SelectMany(g =>
        {
            Assert.That(g.Columns, Has.Count.EqualTo(1), "projection");
            return g.Get<long[]>("id");
        }).ToArray();
        Assert.That(ids, Is.EqualTo(table.Get<long[]>("id")));
    }

    [Test]
    public void Footer_statistics_and_offsets_are_what_the_writer_meant()
    {
        var specs = new[]
        {
            new ParquetColumnSpec("n", ParquetValueType.Int32, Nullable: true),
            new ParquetColumnSpec("s", ParquetValueType.String),
            new ParquetColumnSpec("f", ParquetValueType.Double),
        };
        var table = new ParquetTable(
        [
            new(specs[0], new int?[] { 5, null, -3, 12, null }),
            new(specs[1], new[] { "pear", "Äpfel", "apple", "", "zebra" }),
            new(specs[2], new[] { 1.5, double.NaN, -2.25, 0, 7 }),
        ]);
        var path = Path.Combine(_dir, "stats.parquet");
        ParquetFileWriter.Write(path, table);
        using var reader = ParquetFileReader.Open(path);
        Assert.That(reader.CreatedBy, Is.EqualTo(ParquetFileWriter.CreatedBy));
        Assert.That(reader.Schema.Leaves.Select(l => l.Logical.Kind), Is.EqualTo(new[] { LogicalKind.None, LogicalKind.String, LogicalKind.None }));
        var cols = reader.RowGroupColumns(0);
        Assert.That((cols[0].NullCount, cols[0].Min, cols[0].Max), Is.EqualTo(((long?)2, "-3", "12")));
        Assert.That((cols[1].NullCount, cols[1].Min, cols[1].Max), Is.EqualTo(((long?)0, "", "Äpfel")), "UTF-8 byte order");
        Assert.That((cols[2].Min, cols[2].Max), Is.EqualTo(("-2.25", "7")), "NaN is left out of min/max");
        Assert.That(cols.Sum(c => c.CompressedBytes) + 4, Is.LessThan(new FileInfo(path).Length));
        Assert.That(cols.All(c => c.Codec == ParquetCompression.Snappy), Is.True, "Snappy is the default");
    }

    [Test]
    public void Timestamps_keep_microseconds_and_reject_finer_ticks()
    {
        var spec = new ParquetColumnSpec("t", ParquetValueType.Timestamp);
        var times = new[] { new DateTime(2000, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1234560), DateTime.UnixEpoch, new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc) };
        var path = Path.Combine(_dir, "ts.parquet");
        ParquetFileWriter.Write(path, new ParquetTable([new(spec, times)]));
        using (var reader = ParquetFileReader.Open(path))
        {
            var back = reader.ReadTable().Get<DateTime[]>("t");
            Assert.That(back, Is.EqualTo(times));
            Assert.That(back.All(t => t.Kind == DateTimeKind.Utc), Is.True);
            Assert.That(reader.Schema.Leaves[0].Logical, Is.EqualTo(new LogicalType(LogicalKind.Timestamp, TimeUnit.Micros, IsAdjustedToUtc: true)));
        }
        var fine = new ParquetTable([new(spec, new[] { DateTime.UnixEpoch.AddTicks(3) })]);
        var e = Assert.Throws<ParquetException>(() => ParquetFileWriter.Write(path, fine));
        Assert.That(e!.Message, Does.Contain("column 't'").And.Contain("sub-microsecond"));
    }

    [Test]
    public void Writes_are_atomic()
    {
        var path = Path.Combine(_dir, "atomic.parquet");
        File.WriteAllText(path, "previous content");
        var spec = new ParquetColumnSpec("x", ParquetValueType.Int32);
        using (var writer = new ParquetFileWriter(path, [spec]))
        {
            writer.WriteRowGroup(new ParquetTable([new(spec, new[] { 1, 2, 3 })]));
            Assert.That(File.ReadAllText(path), Is.EqualTo("previous content"), "the target is untouched until Complete");
        }
        Assert.That(File.ReadAllText(path), Is.EqualTo("previous content"), "an abandoned writer leaves the old file");
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1), "and no temporary file");
        var bad = new ParquetTable([new(new ParquetColumnSpec("x", ParquetValueType.Int32, IsList: true), new[] { new[] { 1 }, null! })]);
        Assert.Throws<ParquetException>(() => ParquetFileWriter.Write(path, bad));
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1));
    }

    [Test]
    public void Table_rejects_data_of_the_wrong_shape()
    {
        var e = Assert.Throws<ParquetException>(() =>
            new ParquetTable([new(new ParquetColumnSpec("x", ParquetValueType.Int32, Nullable: true), new[] { 1, 2 })]));
        Assert.That(e!.Message, Does.Contain("column 'x'"));
    }

    [Test]
    public void Strings_that_are_not_valid_unicode_are_refused()
    {
        var spec = new ParquetColumnSpec("title", ParquetValueType.String);
        var e = Assert.Throws<ParquetException>(() =>
            ParquetFileWriter.Write(Path.Combine(_dir, "bad.parquet"), new ParquetTable([new(spec, new[] { "ok", "bad \uD800 surrogate" })])));
        Assert.That(e!.Message, Does.Contain("column 'title'").And.Contain("not valid Unicode"));
        Assert.That(Directory.GetFiles(_dir), Is.Empty);
    }
}
