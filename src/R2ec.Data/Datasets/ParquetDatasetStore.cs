using R2ec.Data.Parquet;

namespace R2ec.Data.Datasets;

/// <summary>
/// Dataset tables as Parquet files, written and read by our codec. Samples: <c>user</c> int32, <c>user_key</c>
/// string, <c>position</c> int32, <c>history</c> list&lt;int32&gt;, <c>history_ratings</c> list&lt;float&gt; (NaN:
/// no rating), <c>history_times</c> list&lt;int64&gt;, <c>target</c> int32, <c>target_rating</c> float,
/// <c>target_time</c> int64. Items: <c>id</c> int32, <c>key</c>, <c>title</c>, <c>description</c> strings,
/// <c>average_rating</c> float and <c>rating_count</c> int32 (both optional), <c>genres</c> list&lt;string&gt;.
/// The footer's <c>r2ec.table</c> says which of the two a file holds.
/// </summary>
public sealed class ParquetDatasetStore : IDatasetTableStore
{
    private const string TableKey = "r2ec.table";
    private static readonly ParquetColumnSpec User = new("user", ParquetValueType.Int32);
    private static readonly ParquetColumnSpec UserKey = new("user_key", ParquetValueType.String);
    private static readonly ParquetColumnSpec Position = new("position", ParquetValueType.Int32);
    private static readonly ParquetColumnSpec History = new("history", ParquetValueType.Int32, IsList: true);
    private static readonly ParquetColumnSpec HistoryRatings = new("history_ratings", ParquetValueType.Float, IsList: true);
    private static readonly ParquetColumnSpec HistoryTimes = new("history_times", ParquetValueType.Int64, IsList: true);
    private static readonly ParquetColumnSpec Target = new("target", ParquetValueType.Int32);
    private static readonly ParquetColumnSpec TargetRating = new("target_rating", ParquetValueType.Float);
    private static readonly ParquetColumnSpec TargetTime = new("target_time", ParquetValueType.Int64);
    private static readonly ParquetColumnSpec Id = new("id", ParquetValueType.Int32);
    private static readonly ParquetColumnSpec Key = new("key", ParquetValueType.String);
    private static readonly ParquetColumnSpec Title = new("title", ParquetValueType.String);
    private static readonly ParquetColumnSpec AverageRating = new("average_rating", ParquetValueType.Float, Nullable: true);
    private static readonly ParquetColumnSpec RatingCount = new("rating_count", ParquetValueType.Int32, Nullable: true);
    private static readonly ParquetColumnSpec Description = new("description", ParquetValueType.String);
    private static readonly ParquetColumnSpec Genres = new("genres", ParquetValueType.String, IsList: true);

    /// <inheritdoc />
    public string Extension => ".parquet";

    /// <inheritdoc />
    public void WriteSamples(string path, IReadOnlyList<Sample> samples)
    {
        var table = new ParquetTable(
        [
            new(User, samples.Select(s => s.User).ToArray()),
            new(UserKey, samples.Select(s => s.UserKey).ToArray()),
            new(Position, samples.Select(s => s.Position).ToArray()),
            new(History, samples.Select(s => s.History).ToArray()),
            new(HistoryRatings, samples.Select(s => s.HistoryRatings).ToArray()),
            new(HistoryTimes, samples.Select(s => s.HistoryTimes).ToArray()),
            new(Target, samples.Select(s => s.Target).ToArray()),
            new(TargetRating, samples.Select(s => s.TargetRating).ToArray()),
            new(TargetTime, samples.Select(s => s.TargetTime).ToArray()),
        ], new Dictionary<string, string> { [TableKey] = "samples" });
        ParquetFileWriter.Write(path, table);
    }

    /// <inheritdoc />
    public void WriteItems(string path, IReadOnlyList<ItemRecord> items)
    {
        var table = new ParquetTable(
        [
            new(Id, items.Select(i => i.Id).ToArray()),
            new(Key, items.Select(i => i.Key).ToArray()),
            new(Title, items.Select(i => i.Title).ToArray()),
            new(AverageRating, items.Select(i => i.AverageRating).ToArray()),
            new(RatingCount, items.Select(i => i.RatingCount).ToArray()),
            new(Description, items.Select(i => i.Description).ToArray()),
            new(Genres, items.Select(i => i.Genres.ToArray()).ToArray()),
        ], new Dictionary<string, string> { [TableKey] = "items" });
        ParquetFileWriter.Write(path, table);
    }

    /// <inheritdoc />
    public IReadOnlyList<Sample> ReadSamples(string path) => Read(path, "samples", t =>
    {
        var user = t.Get<int[]>(User.Name);
        var userKey = t.Get<string[]>(UserKey.Name);
        var position = t.Get<int[]>(Position.Name);
        var history = t.Get<int[][]>(History.Name);
        var ratings = t.Get<float[][]>(HistoryRatings.Name);
        var times = t.Get<long[][]>(HistoryTimes.Name);
        var target = t.Get<int[]>(Target.Name);
        var targetRating = t.Get<float[]>(TargetRating.Name);
        var targetTime = t.Get<long[]>(TargetTime.Name);
        var samples = new Sample[t.RowCount];
        for (var i = 0; i < samples.Length; i++)
            samples[i] = new Sample(user[i], userKey[i], position[i], history[i], ratings[i], times[i], target[i], targetRating[i], targetTime[i]);
        return samples;
    });

    /// <inheritdoc />
    public IReadOnlyList<ItemRecord> ReadItems(string path) => Read(path, "items", t =>
    {
        var id = t.Get<int[]>(Id.Name);
        var key = t.Get<string[]>(Key.Name);
        var title = t.Get<string[]>(Title.Name);
        var average = t.Get<float?[]>(AverageRating.Name);
        var count = t.Get<int?[]>(RatingCount.Name);
        var description = t.Get<string[]>(Description.Name);
        var genres = t.Get<string[][]>(Genres.Name);
        var items = new ItemRecord[t.RowCount];
        for (var i = 0; i < items.Length; i++)
            items[i] = new ItemRecord(id[i], key[i], title[i], average[i], count[i], description[i], genres[i]);
        return items;
    });

    /// <summary>Reads a table and decodes it; a codec error or a missing column becomes a <see cref="DataFormatException"/>.</summary>
    private static T[] Read<T>(string path, string kind, Func<ParquetTable, T[]> decode)
    {
        try
        {
            using var reader = ParquetFileReader.Open(path);
            if (!reader.Metadata.TryGetValue(TableKey, out var found) || found != kind)
                throw new DataFormatException(path, 0, TableKey, $"expected a table of {kind}, the footer says '{found ?? "(none)"}'");
            return decode(reader.ReadTable());
        }
        catch (ParquetException e)
        {
            throw new DataFormatException(path, 0, null, e.Message);
        }
    }
}
