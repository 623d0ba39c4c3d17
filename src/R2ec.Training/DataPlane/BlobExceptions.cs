namespace R2ec.Training.DataPlane;

/// <summary>A fetched blob does not match the size or SHA-256 its reference names; it must not be used.</summary>
public sealed class BlobIntegrityException : IOException
{
    /// <summary>Creates the exception for the blob at <paramref name="uri"/>.</summary>
    public BlobIntegrityException(string uri, string message) : base($"blob {uri}: {message}") => Uri = uri;

    /// <summary>The URI of the blob that failed verification.</summary>
    public string Uri { get; }
}

/// <summary>A blob could not be fetched (refused, missing, or the retries ran out).</summary>
public sealed class BlobFetchException : IOException
{
    /// <summary>Creates the exception for the blob at <paramref name="uri"/>.</summary>
    public BlobFetchException(string uri, string message, Exception? inner = null) : base($"blob {uri}: {message}", inner) => Uri = uri;

    /// <summary>The URI of the blob that could not be fetched.</summary>
    public string Uri { get; }
}
