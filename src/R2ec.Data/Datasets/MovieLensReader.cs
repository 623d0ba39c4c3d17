using System.Text;

namespace R2ec.Data.Datasets;

/// <summary>
/// Reads MovieLens: the ml-latest layout (<c>ratings.csv</c> <c>userId,movieId,rating,timestamp</c> and
/// <c>movies.csv</c> <c>movieId,title,genres</c>, RFC 4180 quoting) or the ml-1m layout (<c>ratings.dat</c> and
/// <c>movies.dat</c>, <c>::</c>-separated, Latin-1). Timestamps are Unix seconds; genres are <c>|</c>-separated.
/// Either file may be gzipped (<c>ratings.csv.gz</c>).
/// </summary>
public static class MovieLensReader
{
    private const string NoGenres = "(no genres listed)";

    /// <summary>Reads the ratings and movies of a MovieLens folder.</summary>
    /// <exception cref="DataFormatException">A file is missing or a row is malformed (under <see cref="BadRowPolicy.Fail"/>).</exception>
    public static InteractionLog Read(string folder, ReaderOptions options)
    {
        var ratings = Find(folder, "ratings", out var dat);
        var movies = Find(folder, "movies", out var moviesDat);
        if (dat != moviesDat)
            throw new DataFormatException(folder, 0, null, "ratings and movies must both be .csv or both be .dat");
        var bad = new BadRows(options.BadRows);
        var sources = new List<SourceFile>();
        var items = dat ? ReadMoviesDat(movies, options, bad, sources) : ReadMoviesCsv(movies, options, bad, sources);
        var interactions = dat ? ReadRatingsDat(ratings, options, bad, sources) : Rows.RatingsCsv(ratings, ["userId", "movieId", "rating", "timestamp"], 1000, options, bad, sources);
        return new InteractionLog
        {
            Format = "movielens",
            Interactions = interactions,
            Items = items,
            HasTimestamps = true,
            Sources = sources,
            SkippedRows = bad.Skipped,
        };
    }

    private static string Find(string folder, string name, out bool dat)
    {
        foreach (var (suffix, isDat) in new[] { (".csv", false), (".csv.gz", false), (".dat", true), (".dat.gz", true) })
        {
            var path = Path.Combine(folder, name + suffix);
            if (File.Exists(path))
            {
                dat = isDat;
                return path;
            }
        }
        throw new DataFormatException(folder, 0, null, $"no {name}.csv or {name}.dat (optionally .gz) in this folder");
    }

    private static List<Interaction> ReadRatingsDat(string path, ReaderOptions options, BadRows bad, List<SourceFile> sources)
    {
        using var source = TextSource.Open(path, options.Progress, Encoding.Latin1);
        var result = new List<Interaction>();
        Rows.Lines(source, bad, (text, line) =>
        {
            var parts = SplitDat(path, line, text, 4, "UserID::MovieID::Rating::Timestamp");
            result.Add(new Interaction(
                Fields.Key(path, line, "UserID", parts[0]),
                Fields.Key(path, line, "MovieID", parts[1]),
                Fields.Rating(path, line, "Rating", parts[2]),
                Fields.Time(path, line, "Timestamp", parts[3], 1000),
                result.Count));
        });
        sources.Add(source.Finish());
        return result;
    }

    private static Dictionary<string, ItemMetadata> ReadMoviesCsv(string path, ReaderOptions options, BadRows bad, List<SourceFile> sources)
    {
        using var source = TextSource.Open(path, options.Progress);
        var columns = CsvHeader.Read(source, ',', "movieId", "title", "genres");
        var items = new ItemTable(path);
        Rows.Csv(source, columns, bad, (fields, line) =>
            items.Add(line, Movie(path, line, fields[columns[0]], fields[columns[1]], fields[columns[2]])));
        sources.Add(source.Finish());
        return items.Items;
    }

    private static Dictionary<string, ItemMetadata> ReadMoviesDat(string path, ReaderOptions options, BadRows bad, List<SourceFile> sources)
    {
        using var source = TextSource.Open(path, options.Progress, Encoding.Latin1);
        var items = new ItemTable(path);
        Rows.Lines(source, bad, (text, line) =>
        {
            var parts = SplitDat(path, line, text, 3, "MovieID::Title::Genres");
            items.Add(line, Movie(path, line, parts[0], parts[1], parts[2]));
        });
        sources.Add(source.Finish());
        return items.Items;
    }

    private static ItemMetadata Movie(string path, long line, string id, string title, string genres)
    {
        var list = genres.Length == 0 || genres == NoGenres
            ? []
            : genres.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return new ItemMetadata(Fields.Key(path, line, "movieId", id), ItemText.Clean(title), null, null, string.Empty, list);
    }

    private static string[] SplitDat(string path, long line, string text, int count, string layout)
    {
        var parts = text.Split("::");
        if (parts.Length != count)
            throw new DataFormatException(path, line, null, $"expected {count} '::'-separated fields ({layout}), found {parts.Length}");
        return parts;
    }
}
