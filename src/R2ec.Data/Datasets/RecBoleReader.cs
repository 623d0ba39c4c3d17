namespace R2ec.Data.Datasets;

/// <summary>
/// Reads RecBole atomic files: tab-separated, with a typed header (<c>name:type</c>, types <c>token</c>,
/// <c>token_seq</c>, <c>float</c>, <c>float_seq</c>; sequences are space-separated). The <c>.inter</c> file is either
/// one interaction per row (<c>user_id:token item_id:token [rating:float] [timestamp:float]</c>, timestamps in
/// seconds) or the sequential-benchmark form, one user per row (<c>user_id:token item_id_list:token_seq
/// item_id:token</c>: the history, then the last item). The optional <c>.item</c> file gives
/// <c>item_id:token title:token_seq</c> and optionally genres (<c>genre</c>, <c>genres</c> or <c>categories</c>).
/// </summary>
/// <remarks>
/// Without a timestamp column, events keep the order given (file order, and list order within a row) and the log is
/// order-only. In the sequential form a user given on a second row is a malformed row. Without an <c>.item</c> file
/// every item is titled by its token.
/// </remarks>
public static class RecBoleReader
{
    private static readonly string[] UserNames = ["user_id", "session_id"];
    private static readonly string[] GenreNames = ["genre", "genres", "categories"];

    /// <summary>Reads an <c>.inter</c> file and, when given, its <c>.item</c> file.</summary>
    /// <exception cref="DataFormatException">A header or row is malformed (rows: under <see cref="BadRowPolicy.Fail"/>).</exception>
    public static InteractionLog Read(string interPath, string? itemPath, ReaderOptions options)
    {
        var bad = new BadRows(options.BadRows);
        var sources = new List<SourceFile>();
        List<Interaction> interactions;
        bool timed;
        using (var source = TextSource.Open(interPath, options.Progress))
        {
            var header = AtomicHeader.Read(source);
            var user = header.Require(UserNames, "token");
            var item = header.Require(["item_id"], "token");
            var list = header.Find(["item_id_list"], "token_seq");
            var rating = header.Find(["rating"], "float");
            var time = header.Find(["timestamp"], "float");
            timed = time >= 0 && list < 0;
            interactions = list >= 0
                ? ReadSequences(source, header, user, list, item, bad)
                : ReadEvents(source, header, user, item, rating, time, bad);
            sources.Add(source.Finish());
        }
        Dictionary<string, ItemMetadata>? items = null;
        if (itemPath is not null)
        {
            using var source = TextSource.Open(itemPath, options.Progress);
            items = ReadItems(source, bad);
            sources.Add(source.Finish());
        }
        return new InteractionLog
        {
            Format = "recbole",
            Interactions = interactions,
            Items = items,
            HasTimestamps = timed,
            Sources = sources,
            SkippedRows = bad.Skipped,
        };
    }

    private static List<Interaction> ReadEvents(TextSource source, AtomicHeader header, int user, int item, int rating, int time, BadRows bad)
    {
        var result = new List<Interaction>();
        Rows.Lines(source, bad, (text, line) =>
        {
            var f = header.Split(text, line);
            result.Add(new Interaction(
                Fields.Key(source.Path, line, header.Names[user], f[user]),
                Fields.Key(source.Path, line, header.Names[item], f[item]),
                rating >= 0 ? Fields.Rating(source.Path, line, header.Names[rating], f[rating]) : float.NaN,
                time >= 0 ? Fields.Time(source.Path, line, header.Names[time], f[time], 1000) : result.Count,
                result.Count));
        });
        return result;
    }

    private static List<Interaction> ReadSequences(TextSource source, AtomicHeader header, int user, int list, int item, BadRows bad)
    {
        var result = new List<Interaction>();
        var firstLine = new Dictionary<string, long>(StringComparer.Ordinal);
        Rows.Lines(source, bad, (text, line) =>
        {
            var f = header.Split(text, line);
            var key = Fields.Key(source.Path, line, header.Names[user], f[user]);
            var history = f[list].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var last = Fields.Key(source.Path, line, header.Names[item], f[item]);
            if (!firstLine.TryAdd(key, line))
                throw new DataFormatException(source.Path, line, header.Names[user], $"user '{Fields.Shorten(key)}' already has a sequence on line {firstLine[key]}");
            foreach (var h in history)
                result.Add(new Interaction(key, h, float.NaN, result.Count, result.Count));
            result.Add(new Interaction(key, last, float.NaN, result.Count, result.Count));
        });
        return result;
    }

    private static Dictionary<string, ItemMetadata> ReadItems(TextSource source, BadRows bad)
    {
        var header = AtomicHeader.Read(source);
        var id = header.Require(["item_id"], "token");
        var title = header.Require(["title"], null);
        var genres = header.Find(GenreNames, null);
        var items = new ItemTable(source.Path);
        Rows.Lines(source, bad, (text, line) =>
        {
            var f = header.Split(text, line);
            var key = Fields.Key(source.Path, line, header.Names[id], f[id]);
            IReadOnlyList<string> genreList = genres < 0 ? [] : header.Types[genres].EndsWith("_seq", StringComparison.Ordinal)
                ? f[genres].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                : f[genres].Trim() is { Length: > 0 } g ? [g] : [];
            items.Add(line, new ItemMetadata(key, ItemText.Clean(f[title]), null, null, string.Empty, genreList));
        });
        return items.Items;
    }

    /// <summary>The typed header of an atomic file.</summary>
    private sealed class AtomicHeader
    {
        private readonly string _path;

        private AtomicHeader(string path, string[] names, string[] types)
        {
            _path = path;
            Names = names;
            Types = types;
        }

        public string[] Names { get; }

        public string[] Types { get; }

        public static AtomicHeader Read(TextSource source)
        {
            var line = source.ReadLine() ?? throw new DataFormatException(source.Path, 1, null, "the file is empty; expected a typed header such as 'user_id:token'");
            var columns = line.Split('\t');
            var names = new string[columns.Length];
            var types = new string[columns.Length];
            for (var i = 0; i < columns.Length; i++)
            {
                var colon = columns[i].LastIndexOf(':');
                if (colon <= 0)
                    throw new DataFormatException(source.Path, 1, columns[i], "a header column must be name:type (token, token_seq, float, float_seq)");
                names[i] = columns[i][..colon].Trim().TrimStart('\uFEFF');
                types[i] = columns[i][(colon + 1)..].Trim();
                if (types[i] is not ("token" or "token_seq" or "float" or "float_seq"))
                    throw new DataFormatException(source.Path, 1, names[i], $"unknown type '{types[i]}' (token, token_seq, float, float_seq)");
            }
            return new AtomicHeader(source.Path, names, types);
        }

        /// <summary>The column with one of <paramref name="names"/>, of <paramref name="type"/> when given; -1 when absent.</summary>
        public int Find(string[] names, string? type)
        {
            var i = Array.FindIndex(Names, n => names.Contains(n));
            if (i >= 0 && type is not null && Types[i] != type)
                throw new DataFormatException(_path, 1, Names[i], $"has type '{Types[i]}', expected '{type}'");
            return i;
        }

        public int Require(string[] names, string? type)
        {
            var i = Find(names, type);
            return i >= 0 ? i : throw new DataFormatException(_path, 1, names[0], $"missing from the header ({string.Join(", ", Names)})");
        }

        public string[] Split(string text, long line)
        {
            var fields = text.Split('\t');
            if (fields.Length != Names.Length)
                throw new DataFormatException(_path, line, null, $"expected {Names.Length} tab-separated fields as in the header, found {fields.Length}");
            return fields;
        }
    }
}
