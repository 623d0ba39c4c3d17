using R2ec.Training.Messages;

namespace R2ec.Training.DataPlane;

/// <summary>
/// Fetches a blob with the fetcher registered for its URI scheme, so a worker handles whatever data plane the learner
/// publishes on (<c>http</c>/<c>https</c> from the learner's endpoint, <c>file</c> from a shared volume).
/// </summary>
public sealed class SchemeBlobFetcher : IBlobFetcher
{
    private readonly Dictionary<string, IBlobFetcher> _byScheme;

    /// <summary>Routes each scheme (without <c>://</c>, case-insensitive) to its fetcher.</summary>
    public SchemeBlobFetcher(IReadOnlyDictionary<string, IBlobFetcher> byScheme) =>
        _byScheme = new Dictionary<string, IBlobFetcher>(byScheme, StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc/>
    /// <exception cref="BlobFetchException">The URI is malformed or no fetcher handles its scheme.</exception>
    public Task<byte[]> FetchAsync(BlobRef blob, CancellationToken cancellationToken = default)
    {
        if (!Uri.TryCreate(blob.Uri, UriKind.Absolute, out var uri))
            throw new BlobFetchException(blob.Uri, "not an absolute URI");
        if (!_byScheme.TryGetValue(uri.Scheme, out var fetcher))
            throw new BlobFetchException(blob.Uri, $"no fetcher for scheme '{uri.Scheme}' (this node handles: {string.Join(", ", _byScheme.Keys.Order())})");
        return fetcher.FetchAsync(blob, cancellationToken);
    }
}
