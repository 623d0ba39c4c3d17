namespace R2ec.Data.Parquet;

/// <summary>
/// The one error type of our Parquet layer: a file that is malformed, truncated, corrupt or uses a feature the reader
/// does not support. Whatever Parquet.Net threw underneath is wrapped in it, and the message names the file, the row
/// group and the column where they are known.
/// </summary>
public sealed class ParquetException : Exception
{
    /// <summary>Creates the error with its message.</summary>
    public ParquetException(string message) : base(message) { }

    /// <summary>Creates the error with its message and the lower-level cause.</summary>
    public ParquetException(string message, Exception inner) : base(message, inner) { }
}
