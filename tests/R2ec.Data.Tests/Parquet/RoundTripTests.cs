using R2ec.Data.Parquet;

namespace R2ec.Data.Tests.Parquet;

/// <summary>Tables written by our Parquet.Net writer read back identically, in several row groups and codecs.</summary>
public sealed class RoundTripTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "r2ec-pq-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [TestCase(ParquetCompression.Snappy)]
    [TestCase(ParquetCompression.Zstd)]
    [TestCase(ParquetCompression.Uncompressed)]
    public void Every_type_and_shape_round_trips(ParquetCompression codec)
    {
        var metadata = new Dictionary<string, string> { ["manifest"] = "{\"name\":\"ml-1m\",\"rows\":300}", ["ünï"] = "çödé" };
        var table = TestTables.Random(300, seed: 7, metadata: metadata);
        var path = Path.Combine(_dir, "t.parquet");
        ParquetFileWriter.Write(path, table, new ParquetWriteOptions { Compression = codec, MaxRowGroupRows = 128 });
        using var reader = ParquetFileReader.Open(path);
        Assert.That(reader.RowGroupCount, Is.EqualTo(3));
        Assert.That(reader.Metadata["manifest"], Is.EqualTo(metadata["manifest"]));
        Assert.That(reader.Metadata["ünï"], Is.EqualTo("çödé"));
        AssertSameTable(reader.ReadTable(), table);
        Assert.That(reader.RowGroupColumns(0).Select(c => c.Codec).Distinct(),
            Is.EqualTo(new[] { codec == ParquetCompression.Uncompressed ? "UNCOMPRESSED" : codec.ToString().ToUpperInvariant() }));
    }

    [Test]
    public void Generic_rows_agree_with_the_typed_table()
    {
        var table = TestTables.Random(40, seed: 3);
        var path = Path.Combine(_dir, "rows.parquet");
        ParquetFileWriter.Write(path, table);
        using var reader = ParquetFileReader.Open(path);
        var rows = reader.ReadRows().ToList();
        Assert.That(rows, Has.Count.EqualTo(40));
        var back = reader.ReadTable();
        for (var c = 0; c < table.Columns.Count; c++)
            for (var r = 0; r < 40; r++)
            {
                var expected = back.Columns[c].Data.GetValue(r);
                var actual = rows[r][c];
                if (expected is Array a) Assert.That(actual, Is.EqualTo(a.Cast<object?>().ToList()), $"{table.Columns[c].Spec.Name} row {r}");
                else Assert.That(actual, Is.EqualTo(expected), $"{table.Columns[c].Spec.Name} row {r}");
            }
    }

    [Test]
    public void Empty_table_round_trips()
    {
        var spec = new ParquetColumnSpec("s", ParquetValueType.String);
        var path = Path.Combine(_dir, "empty.parquet");
        ParquetFileWriter.Write(path, new ParquetTable([new(spec, Array.Empty<string>())]));
        using var reader = ParquetFileReader.Open(path);
        Assert.That(reader.RowCount, Is.Zero);
        Assert.That(reader.ReadTable().Get<string[]>("s"), Is.Empty);
    }

    [Test]
    public void A_failed_write_leaves_the_target_untouched_and_no_temporary_file()
    {
        var path = Path.Combine(_dir, "keep.parquet");
        var spec = new ParquetColumnSpec("x", ParquetValueType.Int32, IsList: true);
        ParquetFileWriter.Write(path, new ParquetTable([new(spec, new[] { new[] { 1, 2 } })]));
        var before = File.ReadAllBytes(path);
        // A null list in a required list column fails half way through the file.
        var bad = new ParquetTable([new(spec, new int[]?[] { [1], null })!]);
        var e = Assert.Throws<ParquetException>(() => ParquetFileWriter.Write(path, bad));
        Assert.That(e!.Message, Does.Contain("column 'x'"));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1), "no temporary file is left behind");
    }

    internal static void AssertSameTable(ParquetTable actual, ParquetTable expected)
    {
        Assert.That(actual.RowCount, Is.EqualTo(expected.RowCount));
        Assert.That(actual.Columns.Select(c => c.Spec.Name), Is.EqualTo(expected.Columns.Select(c => c.Spec.Name)));
        foreach (var c in expected.Columns)
        {
            var back = actual.Column(c.Spec.Name);
            Assert.That(back.Spec with { Nullable = c.Spec.Nullable }, Is.EqualTo(c.Spec), $"spec of {c.Spec.Name}");
            for (var r = 0; r < expected.RowCount; r++)
                Assert.That(back.Data.GetValue(r), Is.EqualTo(c.Data.GetValue(r)), $"{c.Spec.Name} row {r}");
        }
    }
}
