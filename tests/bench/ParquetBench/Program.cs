// Times writing and reading a prepared-dataset samples table (the schema of ParquetDatasetStore) with the Parquet codec
// R2ec.Data was built with, and with DuckDB's own Parquet writer and reader on the same rows. One line per run:
//   label op seconds bytes
// Usage: ParquetBench LABEL SAMPLES REPEATS WORKDIR
using System.Diagnostics;
using DuckDB.NET.Data;
using R2ec.Data.Datasets;

var label = args[0];
var count = int.Parse(args[1]);
var repeats = int.Parse(args[2]);
var dir = args[3];
Directory.CreateDirectory(dir);
var samples = Samples(count);
var store = new ParquetDatasetStore();
var ours = Path.Combine(dir, $"{label}.parquet");
for (var r = 0; r < repeats; r++)
{
    File.Delete(ours);
    var sw = Stopwatch.StartNew();
    store.WriteSamples(ours, samples);
    var write = sw.Elapsed.TotalSeconds;
    sw.Restart();
    var back = store.ReadSamples(ours);
    var read = sw.Elapsed.TotalSeconds;
    if (back.Count != count || !back[count / 2].Equals(samples[count / 2]))
        throw new InvalidOperationException("read back differs");
    Console.WriteLine($"{label} write {write:F3} {new FileInfo(ours).Length}");
    Console.WriteLine($"{label} read {read:F3} {new FileInfo(ours).Length}");
}
if (label == "duckdb-source") return;

// DuckDB: load our file into a table once (untimed), then time COPY TO (write) and a full scan into a table (read).
if (Environment.GetEnvironmentVariable("BENCH_DUCKDB") == "1")
{
    using var connection = new DuckDBConnection("DataSource=:memory:");
    connection.Open();
    Exec(connection, $"CREATE TABLE t AS SELECT * FROM read_parquet('{ours}')");
    foreach (var codec in new[] { "snappy", "zstd" })
    {
        var duck = Path.Combine(dir, $"duckdb-{codec}.parquet");
        for (var r = 0; r < repeats; r++)
        {
            File.Delete(duck);
            var sw = Stopwatch.StartNew();
            Exec(connection, $"COPY t TO '{duck}' (FORMAT parquet, COMPRESSION {codec})");
            var write = sw.Elapsed.TotalSeconds;
            sw.Restart();
            Exec(connection, "DROP TABLE IF EXISTS u");
            Exec(connection, $"CREATE TABLE u AS SELECT * FROM read_parquet('{duck}')");
            var read = sw.Elapsed.TotalSeconds;
            Console.WriteLine($"duckdb-{codec} write {write:F3} {new FileInfo(duck).Length}");
            Console.WriteLine($"duckdb-{codec} read {read:F3} {new FileInfo(duck).Length}");
        }
    }
}

static void Exec(DuckDBConnection c, string sql)
{
    using var cmd = c.CreateCommand();
    cmd.CommandText = sql;
    cmd.ExecuteNonQuery();
}

// Deterministic samples shaped like a prepared MovieLens split: 600 users, histories of 1..50 items (the window), ratings in halves.
static List<Sample> Samples(int n)
{
    var list = new List<Sample>(n);
    ulong state = 42;
    ulong Next() { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; }
    for (var i = 0; i < n; i++)
    {
        var user = i % 600;
        var len = 1 + (int)(Next() % 50);
        var history = new int[len];
        var ratings = new float[len];
        var times = new long[len];
        var t = 964_982_703_000L + i * 1000L;
        for (var j = 0; j < len; j++)
        {
            history[j] = 1 + (int)(Next() % 9724);
            ratings[j] = 0.5f * (1 + (int)(Next() % 10));
            times[j] = t - (len - j) * 60_000L;
        }
        list.Add(new Sample(user, $"U{user + 1}", len, history, ratings, times, 1 + (int)(Next() % 9724), 0.5f * (1 + (int)(Next() % 10)), t));
    }
    return list;
}
