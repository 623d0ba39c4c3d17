namespace R2ec.Data.Datasets;

/// <summary>The row loops every reader shares: one call per row, with the bad-row policy applied around it.</summary>
internal static class Rows
{
    /// <summary>Calls <paramref name="row"/> with each non-empty line and its number.</summary>
    public static void Lines(TextSource source, BadRows bad, Action<string, long> row)
    {
        while (source.ReadLine() is { } text)
        {
            if (string.IsNullOrWhiteSpace(text))
                continue;
            try
            {
                row(text, source.LineNumber);
            }
            catch (DataFormatException) when (bad.Absorb())
            {
            }
        }
    }

    /// <summary>Calls <paramref name="row"/> with each CSV record (checked against the header's width) and its first line's number.</summary>
    public static void Csv(TextSource source, CsvHeader header, BadRows bad, Action<List<string>, long> row)
    {
        var fields = new List<string>(header.Width);
        while (CsvRecords.Next(source, ',', fields, out var line))
        {
            try
            {
                header.CheckCount(fields, line);
                row(fields, line);
            }
            catch (DataFormatException) when (bad.Absorb())
            {
            }
        }
    }

    /// <summary>
    /// Reads a ratings CSV whose header names the user, item, rating and timestamp columns in that order;
    /// <paramref name="timeScale"/> turns its time unit into milliseconds.
    /// </summary>
    public static List<Interaction> RatingsCsv(string path, string[] columns, long timeScale, ReaderOptions options, BadRows bad, List<SourceFile> sources)
    {
        using var source = TextSource.Open(path, options.Progress);
        var header = CsvHeader.Read(source, ',', columns);
        var result = new List<Interaction>();
        Csv(source, header, bad, (fields, line) => result.Add(new Interaction(
            Fields.Key(path, line, columns[0], fields[header[0]]),
            Fields.Key(path, line, columns[1], fields[header[1]]),
            Fields.Rating(path, line, columns[2], fields[header[2]]),
            Fields.Time(path, line, columns[3], fields[header[3]], timeScale),
            result.Count)));
        sources.Add(source.Finish());
        return result;
    }
}
