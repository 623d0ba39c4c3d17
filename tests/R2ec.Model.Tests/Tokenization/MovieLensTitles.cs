using System.Text;
using R2ec.TestSupport;

namespace R2ec.Model.Tests.Tokenization;

/// <summary>The titles of ../shared's MovieLens movies.csv, read with RFC 4180 quoting.</summary>
internal static class MovieLensTitles
{
    private static readonly Lazy<string[]> Titles = new(Read);

    public static string[] All => Titles.Value;

    private static string[] Read()
    {
        var path = RepoPaths.SharedFile("datasets", "movielens-latest-small", "movies.csv");
        var titles = new List<string>();
        foreach (var line in File.ReadLines(path, Encoding.UTF8).Skip(1))
        {
            var fields = SplitCsv(line);
            if (fields.Count != 3) Assert.Fail($"{path}: '{line}' has {fields.Count} fields, expected 3");
            titles.Add(fields[1]);
        }
        return [.. titles];
    }

    private static List<string> SplitCsv(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields;
    }
}
