namespace R2ec.Data.Parquet;

/// <summary>
/// The one error type of the Parquet codec: a file that is malformed, truncated, corrupt or uses a feature this codec
/// does not support. The message names the file, the column and the feature where they are known.
/// </summary>
public sealed class ParquetException : Exception
{
    /// <summary>Creates the error with its message.</summary>
    public ParquetException(string message) : base(message) { }

    /// <summary>Creates the error with its message and the lower-level cause.</summary>
    public ParquetException(string message, Exception inner) : base(message, inner) { }
}
