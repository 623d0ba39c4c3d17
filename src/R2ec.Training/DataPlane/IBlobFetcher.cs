using R2ec.Training.Messages;

namespace R2ec.Training.DataPlane;

/// <summary>The side of the data plane that turns a <see cref="BlobRef"/> into bytes a worker may swap in.</summary>
public interface IBlobFetcher
{
    /// <summary>
    /// Fetches the blob named by <paramref name="blob"/> and returns its bytes only after their size and SHA-256 match
    /// the reference.
    /// </summary>
    /// <exception cref="BlobIntegrityException">The bytes do not match the reference.</exception>
    /// <exception cref="BlobFetchException">The blob could not be fetched.</exception>
    Task<byte[]> FetchAsync(BlobRef blob, CancellationToken cancellationToken = default);
}
