namespace R2ec.Data.Datasets;

/// <summary>An input file is malformed: names the file, the line and the field so it can be fixed.</summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="file">The file being read.</param>
    /// <param name="line">The 1-based line number, or 0 when the problem is not on one line.</param>
    /// <param name="field">The field or column, or <c>null</c> when the problem is the whole row.</param>
    /// <param name="problem">What is wrong.</param>
    public DataFormatException(string file, long line, string? field, string problem)
        : base(Describe(file, line, field, problem))
    {
        File = file;
        Line = line;
        Field = field;
        Problem = problem;
    }

    /// <summary>The file being read.</summary>
    public string File { get; }

    /// <summary>The 1-based line number, or 0 when the problem is not on one line.</summary>
    public long Line { get; }

    /// <summary>The field or column, or <c>null</c> when the problem is the whole row.</summary>
    public string? Field { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    private static string Describe(string file, long line, string? field, string problem)
    {
        var where = line > 0 ? $"{file}:{line}" : file;
        return field is null ? $"{where}: {problem}" : $"{where}: field '{field}': {problem}";
    }
}
