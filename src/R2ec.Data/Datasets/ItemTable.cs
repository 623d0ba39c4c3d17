namespace R2ec.Data.Datasets;

/// <summary>Collects item metadata by key; a key given twice is a malformed row naming the first line.</summary>
internal sealed class ItemTable(string path)
{
    private readonly Dictionary<string, long> _lines = new(StringComparer.Ordinal);

    public Dictionary<string, ItemMetadata> Items { get; } = new(StringComparer.Ordinal);

    public void Add(long line, ItemMetadata item)
    {
        if (!_lines.TryAdd(item.Key, line))
            throw new DataFormatException(path, line, "item", $"item '{Fields.Shorten(item.Key)}' is already described on line {_lines[item.Key]}");
        Items.Add(item.Key, item);
    }
}
