namespace R2ec.Data.Datasets;

/// <summary>The positions of the named columns in a CSV file's header row.</summary>
internal sealed class CsvHeader
{
    private readonly int[] _index;
    private readonly string _path;

    private CsvHeader(string path, int[] index, int width)
    {
        _path = path;
        _index = index;
        Width = width;
    }

    /// <summary>How many fields every row must have.</summary>
    public int Width { get; }

    /// <summary>The position of the i-th requested column.</summary>
    public int this[int i] => _index[i];

    /// <summary>Reads the header row and finds each required column by name (ASCII case-insensitive).</summary>
    public static CsvHeader Read(TextSource source, char delimiter, params string[] required)
    {
        var header = new List<string>();
        if (!CsvRecords.Next(source, delimiter, header, out _))
            throw new DataFormatException(source.Path, 1, null, "the file is empty; expected a header row " + string.Join(delimiter, required));
        var index = new int[required.Length];
        for (var i = 0; i < required.Length; i++)
        {
            index[i] = header.FindIndex(h => string.Equals(h.Trim().TrimStart('\uFEFF'), required[i], StringComparison.OrdinalIgnoreCase));
            if (index[i] < 0)
                throw new DataFormatException(source.Path, 1, required[i], $"missing from the header row '{string.Join(delimiter, header)}'");
        }
        return new CsvHeader(source.Path, index, header.Count);
    }

    /// <summary>Fails when a row's field count differs from the header's.</summary>
    public void CheckCount(List<string> fields, long line)
    {
        if (fields.Count != Width)
            throw new DataFormatException(_path, line, null, $"expected {Width} fields as in the header, found {fields.Count}");
    }
}
