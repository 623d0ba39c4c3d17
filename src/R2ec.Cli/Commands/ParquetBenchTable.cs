using R2ec.Data.Parquet;

namespace R2ec.Cli.Commands;

/// <summary>The benchmark table: the shape of a prepared dataset (ids, a timestamp, a rating, a title and a 20-item history).</summary>
public static class ParquetBenchTable
{
    /// <summary>A seeded table of <paramref name="rows"/> rows over ~3,700 items and ~6,000 users (MovieLens-1M-like).</summary>
    public static ParquetTable Create(int rows, int seed)
    {
        var rng = new Random(seed);
        const int items = 3700;
        var titles = Enumerable.Range(0, items).Select(i => $"Movie title number {i} ({1920 + i % 100})").ToArray();
        var user = new int[rows];
        var item = new int[rows];
        var time = new DateTime[rows];
        var rating = new float[rows];
        var title = new string[rows];
        var history = new int[rows][];
        var start = new DateTime(2000, 4, 25, 0, 0, 0, DateTimeKind.Utc);
        for (var r = 0; r < rows; r++)
        {
            user[r] = r / 165;
            item[r] = rng.Next(items);
            time[r] = start.AddSeconds(r * 30L + rng.Next(30));
            rating[r] = rng.Next(1, 6);
            title[r] = titles[item[r]];
            var h = new int[20];
            for (var k = 0; k < h.Length; k++) h[k] = rng.Next(items);
            history[r] = h;
        }
        return new ParquetTable(
        [
            new(new ParquetColumnSpec("user_id", ParquetValueType.Int32), user),
            new(new ParquetColumnSpec("item_id", ParquetValueType.Int32), item),
            new(new ParquetColumnSpec("timestamp", ParquetValueType.Timestamp), time),
            new(new ParquetColumnSpec("rating", ParquetValueType.Float), rating),
            new(new ParquetColumnSpec("title", ParquetValueType.String), title),
            new(new ParquetColumnSpec("history", ParquetValueType.Int32, IsList: true), history),
        ]);
    }

    /// <summary>The table's values in bytes as they sit uncompressed in memory (strings as UTF-8): the MB of "MB/s".</summary>
    public static long LogicalBytes(ParquetTable table) =>
        table.RowCount * (4L + 4 + 8 + 4) + table.Get<string[]>("title").Sum(t => (long)System.Text.Encoding.UTF8.GetByteCount(t))
        + table.Get<int[][]>("history").Sum(h => 4L * h.Length);
}
