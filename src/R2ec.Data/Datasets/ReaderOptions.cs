namespace R2ec.Data.Datasets;

/// <summary>How the readers treat bad rows and report their progress.</summary>
/// <param name="BadRows">Fail on the first malformed row, or skip and count malformed rows.</param>
/// <param name="Progress">Told the bytes read so far of each file, now and then; may be <c>null</c>.</param>
public sealed record ReaderOptions(BadRowPolicy BadRows = BadRowPolicy.Fail, IProgress<ReadProgress>? Progress = null);

/// <summary>How far a reader is through one input file.</summary>
/// <param name="File">The file being read.</param>
/// <param name="BytesRead">Bytes of the file (as stored, compressed for <c>.gz</c>) consumed so far.</param>
/// <param name="TotalBytes">The file's size.</param>
public readonly record struct ReadProgress(string File, long BytesRead, long TotalBytes);
