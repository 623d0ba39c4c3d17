using System.Text.Json;

namespace R2ec.Data.Datasets;

/// <summary>
/// Reads Amazon Reviews 2023 as the paper uses it: a <c>rating_only</c> CSV (<c>user_id,parent_asin,rating,timestamp</c>,
/// timestamps in milliseconds) and the category's <c>meta_&lt;Category&gt;.jsonl</c>; either may be gzipped.
/// Only the metadata of items that occur in the ratings is kept, so a large category fits in memory.
/// </summary>
/// <remarks>
/// An item's text: <c>title</c>, <c>average_rating</c>, <c>rating_number</c>, <c>description</c> (the list joined; the
/// <c>features</c> list when there is no description) and <c>categories</c> (<c>main_category</c> when empty).
/// A missing or null field is left empty; a field of the wrong JSON type is a malformed row.
/// </remarks>
public static class Amazon2023Reader
{
    /// <summary>Reads the ratings and the metadata.</summary>
    /// <exception cref="DataFormatException">A row is malformed (under <see cref="BadRowPolicy.Fail"/>) or a file is missing.</exception>
    public static InteractionLog Read(string ratingsPath, string metaPath, ReaderOptions options)
    {
        var bad = new BadRows(options.BadRows);
        var sources = new List<SourceFile>();
        var interactions = Rows.RatingsCsv(ratingsPath, ["user_id", "parent_asin", "rating", "timestamp"], 1, options, bad, sources);
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in interactions)
            wanted.Add(e.Item);
        var items = ReadMeta(metaPath, wanted, options, bad, sources);
        return new InteractionLog
        {
            Format = "amazon2023",
            Interactions = interactions,
            Items = items,
            HasTimestamps = true,
            Sources = sources,
            SkippedRows = bad.Skipped,
        };
    }

    private static Dictionary<string, ItemMetadata> ReadMeta(string path, HashSet<string> wanted, ReaderOptions options, BadRows bad, List<SourceFile> sources)
    {
        using var source = TextSource.Open(path, options.Progress);
        var items = new ItemTable(path);
        Rows.Lines(source, bad, (text, line) =>
        {
            if (Item(path, line, text, wanted) is { } item)
                items.Add(line, item);
        });
        sources.Add(source.Finish());
        return items.Items;
    }

    private static ItemMetadata? Item(string path, long line, string text, HashSet<string> wanted)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, line, null, "not a JSON object: " + e.Message);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new DataFormatException(path, line, null, "not a JSON object");
            var field = new JsonFields(path, line, root);
            var key = field.String("parent_asin") is { Length: > 0 } asin
                ? asin.Trim()
                : throw new DataFormatException(path, line, "parent_asin", "is missing or empty");
            if (!wanted.Contains(key))
                return null;
            var description = ItemText.Clean(string.Join(' ', field.Strings("description")));
            if (description.Length == 0)
                description = ItemText.Clean(string.Join(' ', field.Strings("features")));
            var categories = field.Strings("categories").Select(ItemText.Clean).Where(c => c.Length > 0).ToList();
            if (categories.Count == 0 && ItemText.Clean(field.String("main_category")) is { Length: > 0 } main)
                categories.Add(main);
            return new ItemMetadata(key, ItemText.Clean(field.String("title")), field.Float("average_rating"),
                field.Int("rating_number"), description, categories);
        }
    }

    /// <summary>Typed access to an object's optional fields; a wrong type names the field.</summary>
    private readonly struct JsonFields(string path, long line, JsonElement root)
    {
        public string? String(string name) => Get(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.String } v => v.GetString(),
            _ => throw Wrong(name, "a string"),
        };

        public float? Float(string name) => Get(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Number } v when v.TryGetDouble(out var d) && double.IsFinite(d) => (float)d,
            _ => throw Wrong(name, "a number"),
        };

        public int? Int(string name) => Get(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Number } v when v.TryGetInt32(out var i) && i >= 0 => i,
            _ => throw Wrong(name, "a non-negative integer"),
        };

        public IEnumerable<string> Strings(string name)
        {
            if (Get(name) is not { } v)
                return [];
            if (v.ValueKind != JsonValueKind.Array)
                throw Wrong(name, "a list of strings");
            var list = new List<string>(v.GetArrayLength());
            foreach (var e in v.EnumerateArray())
                list.Add(e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Wrong(name, "a list of strings"));
            return list;
        }

        private JsonElement? Get(string name) =>
            root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

        private DataFormatException Wrong(string name, string expected) => new(path, line, name, $"expected {expected}");
    }
}
