using System.Globalization;
using DuckDB.NET.Data;
using R2ec.Data.Datasets;
using R2ec.Data.Parquet;

namespace R2ec.Data.Tests.Parquet;

/// <summary>
/// DuckDB as an outside peer: it reads the files we write (row counts, sums of numeric columns, list contents) and we
/// read the files it writes (snappy and zstd, with list and nullable columns), value for value. DuckDB's Parquet
/// support is built in; extension auto-install and auto-load are switched off so nothing is fetched.
/// </summary>
public sealed class DuckDbPeerTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "r2ec-duck-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static DuckDBConnection Connect()
    {
        var c = new DuckDBConnection("DataSource=:memory:");
        c.Open();
        Exec(c, "SET autoinstall_known_extensions = false");
        Exec(c, "SET autoload_known_extensions = false");
        return c;
    }

    private static void Exec(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static List<object?[]> Query(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var rows = new List<object?[]>();
        while (r.Read())
        {
            var row = new object?[r.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = r.IsDBNull(i) ? null : r.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    // DuckDB sums BIGINT columns into HUGEINT, which arrives as a BigInteger.
    private static decimal Dec(object? value) => value is System.Numerics.BigInteger b ? (decimal)b : Convert.ToDecimal(value, CultureInfo.InvariantCulture);

    private static string Sql(string path) => path.Replace("'", "''");

    [Test]
    public void Parquet_support_is_built_in_and_works_offline()
    {
        using var c = Connect();
        var rows = Query(c, "SELECT loaded, install_mode FROM duckdb_extensions() WHERE extension_name = 'parquet'");
        Assert.That(rows, Has.Count.EqualTo(1));
        Assert.That(rows[0][0], Is.EqualTo(true), "parquet is loaded without an install");
        Assert.That(Convert.ToString(rows[0][1], CultureInfo.InvariantCulture), Does.Contain("STATICALLY_LINKED"));
    }

    private static List<Sample> Samples(int n) => Enumerable.Range(0, n).Select(i => new Sample(i % 23, $"U{i % 23}", 1 + i % 11,
        Enumerable.Range(0, i % 11).Select(k => 1 + (i * 13 + k) % 97).ToArray(),
        Enumerable.Range(0, i % 11).Select(k => 0.5f * (1 + (i + k) % 10)).ToArray(),
        Enumerable.Range(0, i % 11).Select(k => 1_600_000_000_000L + i * 1000L + k).ToArray(),
        1 + i % 97, 0.5f * (1 + i % 10), 1_600_000_100_000L + i)).ToList();

    [Test]
    public void DuckDB_reads_the_samples_we_write_with_the_same_counts_sums_and_lists()
    {
        var samples = Samples(5_000);
        var path = Path.Combine(_dir, "train.parquet");
        new ParquetDatasetStore().WriteSamples(path, samples);
        using var c = Connect();
        var sums = Query(c, $"""
            SELECT count(*), sum("user"), sum(position), sum(target), sum(target_time), sum(target_rating),
                   sum(len(history)), sum(list_sum(history)), sum(list_sum(history_times)), sum(list_sum(history_ratings))
            FROM read_parquet('{Sql(path)}')
            """)[0];
        Assert.That(Dec(sums[0]), Is.EqualTo(samples.Count));
        Assert.That(Dec(sums[1]), Is.EqualTo(samples.Sum(s => (long)s.User)));
        Assert.That(Dec(sums[2]), Is.EqualTo(samples.Sum(s => (long)s.Position)));
        Assert.That(Dec(sums[3]), Is.EqualTo(samples.Sum(s => (long)s.Target)));
        Assert.That(Dec(sums[4]), Is.EqualTo(samples.Sum(s => (decimal)s.TargetTime)));
        Assert.That(Convert.ToDouble(sums[5]), Is.EqualTo(samples.Sum(s => (double)s.TargetRating)).Within(1e-6));
        Assert.That(Dec(sums[6]), Is.EqualTo(samples.Sum(s => (long)s.History.Length)));
        Assert.That(Dec(sums[7]), Is.EqualTo(samples.Sum(s => s.History.Sum(h => (long)h))));
        Assert.That(Dec(sums[8]), Is.EqualTo(samples.Sum(s => s.HistoryTimes.Sum(t => (decimal)t))));
        Assert.That(Convert.ToDouble(sums[9]), Is.EqualTo(samples.Sum(s => s.HistoryRatings.Sum(r => (double)r))).Within(1e-3));
        var lists = Query(c, $"SELECT user_key, CAST(history AS VARCHAR) FROM read_parquet('{Sql(path)}', file_row_number = true) ORDER BY file_row_number");
        Assert.That(lists, Has.Count.EqualTo(samples.Count));
        for (var i = 0; i < samples.Count; i++)
        {
            Assert.That(lists[i][0], Is.EqualTo(samples[i].UserKey), $"row {i}");
            Assert.That(lists[i][1], Is.EqualTo("[" + string.Join(", ", samples[i].History) + "]"), $"row {i}");
        }
        var meta = Query(c, $"SELECT CAST(value AS VARCHAR) FROM parquet_kv_metadata('{Sql(path)}') WHERE CAST(key AS VARCHAR) = 'r2ec.table'");
        Assert.That(meta.Single()[0], Is.EqualTo("samples"));
    }

    [Test]
    public void DuckDB_reads_the_items_we_write_with_nulls_and_string_lists()
    {
        var items = Enumerable.Range(1, 300).Select(i => new ItemRecord(i, $"K{i}", $"title {i} ü", i % 4 == 0 ? null : i * 0.01f,
            i % 4 == 0 ? null : i, $"desc {i}", Enumerable.Range(0, i % 3).Select(g => $"g{g}").ToArray())).ToList();
        var path = Path.Combine(_dir, "items.parquet");
        new ParquetDatasetStore().WriteItems(path, items);
        using var c = Connect();
        var rows = Query(c, $"SELECT id, title, rating_count, CAST(genres AS VARCHAR) FROM read_parquet('{Sql(path)}', file_row_number = true) ORDER BY file_row_number");
        Assert.That(rows, Has.Count.EqualTo(items.Count));
        for (var i = 0; i < items.Count; i++)
        {
            Assert.That(Convert.ToInt32(rows[i][0]), Is.EqualTo(items[i].Id));
            Assert.That(rows[i][1], Is.EqualTo(items[i].Title));
            Assert.That(rows[i][2] is null ? (int?)null : Convert.ToInt32(rows[i][2]), Is.EqualTo(items[i].RatingCount));
            Assert.That(rows[i][3], Is.EqualTo("[" + string.Join(", ", items[i].Genres) + "]"));
        }
    }

    private const string PeerTable = """
        SELECT i::INTEGER AS i, (i * 1000000007)::BIGINT AS b, i / 7.0 AS d,
               CASE WHEN i % 5 = 0 THEN NULL ELSE 'v' || i END AS s,
               CASE WHEN i % 7 = 0 THEN NULL WHEN i % 3 = 0 THEN []::INTEGER[] ELSE [i, NULL, i + 1]::INTEGER[] END AS l,
               ['a' || i, 'b']::VARCHAR[] AS ls,
               CASE WHEN i % 4 = 0 THEN NULL ELSE i % 2 = 0 END AS flag
        FROM range(0, 3000) t(i)
        """;

    [TestCase("snappy")]
    [TestCase("zstd")]
    public void We_read_what_DuckDB_writes_value_for_value(string codec)
    {
        var path = Path.Combine(_dir, $"duck-{codec}.parquet");
        using var c = Connect();
        Exec(c, $"COPY ({PeerTable}) TO '{Sql(path)}' (FORMAT parquet, COMPRESSION {codec}, ROW_GROUP_SIZE 1024)");
        var expected = Query(c, $"SELECT i, b, d, s, CAST(l AS VARCHAR), CAST(ls AS VARCHAR), flag FROM read_parquet('{Sql(path)}', file_row_number = true) ORDER BY file_row_number");
        using var reader = ParquetFileReader.Open(path);
        Assert.That(reader.RowGroupColumns(0).Select(k => k.Codec).Distinct(), Is.EqualTo(new[] { codec.ToUpperInvariant() }));
        var t = reader.ReadTable();
        Assert.That(t.RowCount, Is.EqualTo(expected.Count));
        var i = t.Get<int?[]>("i");
        var b = t.Get<long?[]>("b");
        var d = t.Get<double?[]>("d");
        var s = t.Get<string[]>("s");
        var l = t.Get<int?[][]>("l");
        var ls = t.Get<string[][]>("ls");
        var flag = t.Get<bool?[]>("flag");
        for (var r = 0; r < expected.Count; r++)
        {
            var e = expected[r];
            Assert.That(i[r], Is.EqualTo(Convert.ToInt32(e[0])), $"i row {r}");
            Assert.That(b[r], Is.EqualTo(Convert.ToInt64(e[1])), $"b row {r}");
            Assert.That(d[r], Is.EqualTo(Convert.ToDouble(e[2])), $"d row {r}");
            Assert.That(s[r], Is.EqualTo(e[3]), $"s row {r}");
            Assert.That(l[r] is null ? null : "[" + string.Join(", ", l[r].Select(x => x?.ToString(CultureInfo.InvariantCulture) ?? "NULL")) + "]", Is.EqualTo(e[4]), $"l row {r}");
            Assert.That("[" + string.Join(", ", ls[r]) + "]", Is.EqualTo(e[5]), $"ls row {r}");
            Assert.That(flag[r], Is.EqualTo(e[6]), $"flag row {r}");
        }
    }
}
