using System.Text;

namespace R2ec.Data.Datasets;

/// <summary>
/// Splits RFC 4180 records: fields separated by a delimiter, optionally quoted with <c>"</c>, a doubled quote inside
/// quotes standing for one; a quoted field may run over several lines.
/// </summary>
internal static class CsvRecords
{
    /// <summary>
    /// Reads the next record into <paramref name="fields"/>; returns <c>false</c> at the end of the file.
    /// <paramref name="line"/> is the number of the record's first line.
    /// </summary>
    public static bool Next(TextSource source, char delimiter, List<string> fields, out long line)
    {
        fields.Clear();
        var text = source.ReadLine();
        line = source.LineNumber;
        if (text is null)
            return false;
        var field = new StringBuilder();
        var quoted = false;
        var i = 0;
        while (true)
        {
            if (i == text.Length)
            {
                if (!quoted)
                    break;
                var more = source.ReadLine()
                    ?? throw new DataFormatException(source.Path, line, $"#{fields.Count + 1}", "quoted field not closed before the end of the file");
                field.Append('\n');
                text = more;
                i = 0;
                continue;
            }
            var c = text[i++];
            if (quoted)
            {
                if (c != '"')
                    field.Append(c);
                else if (i < text.Length && text[i] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else
                    quoted = false;
            }
            else if (c == delimiter)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '"' && field.Length == 0)
                quoted = true;
            else
                field.Append(c);
        }
        fields.Add(field.ToString());
        return true;
    }
}
