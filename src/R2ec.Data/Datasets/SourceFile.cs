namespace R2ec.Data.Datasets;

/// <summary>An input file a dataset was prepared from, as recorded in its manifest.</summary>
/// <param name="Path">The path as given on the command line (or a description, for generated data).</param>
/// <param name="Bytes">The file's size in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file's bytes as stored (compressed bytes for <c>.gz</c>).</param>
public sealed record SourceFile(string Path, long Bytes, string Sha256);
