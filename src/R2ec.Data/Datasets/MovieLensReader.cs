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
        var interactions = dat ? ReadRatingsDat(ratings, options, bad, sources) : ReadRatingsCsv(ratings, options, bad, sources);
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

    private static List<Interaction> ReadRatingsCsv(string path, ReaderOptions options, BadRows bad, List<SourceFile> sources)
    {
        using var source = TextSource.Open(path, options.Progress);
        var columns = CsvHeader.Read(source, ',', "userId", "movieId", "rating", "timestamp");
        var fields = new List<string>(4);
        var result = new List<Interaction>();
        while (CsvRecords.Next(source, ',', fields, out var line))
        {
            try
            {
                columns.CheckCount(fields, line);
                result.Add(Rating(path, line, fields[columns[0]], fields[columns[1]], fields[columns[2]], fields[columns[3]], result.Count));
            }
            catch (DataFormatException) when (bad.Absorb())
            {
            }
        }
        sources.Add(source.Finish());
        return result;
    }

    private static List<Interaction> ReadRatingsDat(string path, ReaderOptions options, BadRows bad, List<SourceFile> sources)
    {
        using var source = TextSource.Open(path, options.Progress, Encoding.Latin1);
        var result = new List<Interaction>();
        while (source.ReadLine() is { } text)
        {
            if (text.Length == 0)
                continue;
            try
            {
                var parts = SplitDat(path, source.LineNumber, text, 4, "UserID::MovieID::Rating::Timestamp");
                result.Add(Rating(path, source.LineNumber, parts[0], parts[1], parts[2], parts[3], result.Count));
            }
            catch (DataFormatException) when (bad.Absorb())
            {
            }
        }
        sources.Add(source.Finish());
        return result;
    }

    private static Interaction Rating(string path, long line, string user, string movie, string rating, string time, long order) =>
        new(Fields.Key(path, line, "userId", user),
            Fields.Key(path, line, "movieId", movie),
            Fields.Rating(path, line, "rating", rating),
            Fields.Time(path, line, "timestamp", time, 1000),
            order);

    private static Dictionary<string, ItemMetadata> ReadMoviesCsv(string path, ReaderOptions options, BadRows bad, List<SourceFile> sources)
    {
        using var source = TextSource.Open(path, options.Progress);
        var columns = CsvHeader.Read(source, ',', "movieId", "title", "genres");
        var fields = new List<string>(3);
        var items = new ItemTable(path);
        while (CsvRecords.Next(source, ',', fields, out var line))
        {
            try
            {
                columns.CheckCount(fields, line);
                items.Add(line, Movie(path, line, fields[columns[0]], fields[columns[1]], fields[columns[2]]));
            }
            catch (DataFormatException) when (bad.Absorb())
            {
            }
        }
        sources.Add(source.Finish());
        return items.Items;
    }

    private static Dictionary<string, ItemMetadata> ReadMoviesDat(string path, ReaderOptions options, BadRows bad, List<SourceFile> sources)
    {
        using var source = TextSource.Open(path, options.Progress, Encoding.Latin1);
        var items = new ItemTable(path);
        while (source.ReadLine() is { } text)
        {
            if (text.Length == 0)
                continue;
            try
            {
                var parts = SplitDat(path, source.LineNumber, text, 3, "MovieID::Title::Genres");
                items.Add(source.LineNumber, Movie(path, source.LineNumber, parts[0], parts[1], parts[2]));
            }
            catch (DataFormatException) when (bad.Absorb())
            {
            }
        }
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
