using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using R2ec.Training.Messages;
using Serilog;

namespace R2ec.Training.DataPlane;

/// <summary>
/// Fetches blobs from a <see cref="HttpBlobServer"/>: streams the body into memory, and when the connection drops
/// part-way asks for the rest with a range request (guarded by the digest as ETag) instead of starting over, up to a
/// bounded number of attempts with exponential backoff. The bytes are returned only once their size and SHA-256 match
/// the reference.
/// </summary>
public sealed class HttpBlobFetcher : IBlobFetcher, IDisposable
{
    private const int ChunkBytes = 1 << 20;
    private readonly HttpClient _client;
    private readonly bool _ownsClient;
    private readonly BearerToken _token;
    private readonly int _maxAttempts;
    private readonly TimeSpan _firstBackoff;
    private readonly TimeSpan _stallTimeout;
    private readonly ILogger _log;

    /// <summary>Creates a fetcher presenting <paramref name="token"/>.</summary>
    /// <param name="token">The data plane's bearer token.</param>
    /// <param name="client">The client to use (TLS trust settings live on its handler); a new one when null.</param>
    /// <param name="maxAttempts">Requests per fetch before giving up, the first included.</param>
    /// <param name="firstBackoff">Wait before the first retry; it doubles on each further one. 100 ms when null.</param>
    /// <param name="log">Where retries are logged.</param>
    /// <param name="stallTimeout">
    /// How long a read may wait for the next bytes before the connection counts as dropped and the rest is asked for
    /// again; 30 s when null. (HttpClient's own timeout ends when the headers arrive, not the body.)
    /// </param>
    public HttpBlobFetcher(BearerToken token, HttpClient? client = null, int maxAttempts = 5, TimeSpan? firstBackoff = null, ILogger? log = null, TimeSpan? stallTimeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        _token = token;
        _ownsClient = client is null;
        _client = client ?? new HttpClient();
        _maxAttempts = maxAttempts;
        _firstBackoff = firstBackoff ?? TimeSpan.FromMilliseconds(100);
        _log = log ?? Serilog.Core.Logger.None;
        _stallTimeout = stallTimeout ?? TimeSpan.FromSeconds(30);
    }

    /// <inheritdoc/>
    public async Task<byte[]> FetchAsync(BlobRef blob, CancellationToken cancellationToken = default)
    {
        if (blob.SizeBytes > (ulong)Array.MaxLength)
            throw new BlobFetchException(blob.Uri, $"size {blob.SizeBytes} bytes is more than one array holds");
        var content = new byte[blob.SizeBytes];
        using var progress = new Progress();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ReceiveAsync(blob, content, progress, cancellationToken);
                break;
            }
            catch (Exception e) when (IsTransient(e, cancellationToken) && attempt < _maxAttempts)
            {
                var wait = _firstBackoff * Math.Pow(2, attempt - 1);
                _log.Warning("Fetching blob {Uri} failed after {Received} of {Size} bytes ({Error}); attempt {Next} of {Max} in {Wait} ms",
                    blob.Uri, progress.Received, blob.SizeBytes, e.Message, attempt + 1, _maxAttempts, wait.TotalMilliseconds);
                await Task.Delay(wait, cancellationToken);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                throw new BlobFetchException(blob.Uri, $"gave up after {attempt} attempts with {progress.Received} of {blob.SizeBytes} bytes: {e.Message}", e);
            }
        }
        BlobDigest.Verify(blob, content.Length, Convert.ToHexStringLower(progress.Digest.GetHashAndReset()));
        return content;
    }

    /// <summary>
    /// How much of the blob has arrived, and the digest of those bytes: kept across attempts so a retry asks only for
    /// the rest, and hashed as the bytes arrive so verification overlaps the download instead of following it.
    /// </summary>
    private sealed class Progress : IDisposable
    {
        public long Received;
        public IncrementalHash Digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public void Restart()
        {
            Received = 0;
            Digest.Dispose();
            Digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }

        public void Dispose() => Digest.Dispose();
    }

    /// <summary>
    /// One request: the whole blob, or the rest from <paramref name="progress"/>. Bytes count as they arrive, so when
    /// the connection drops part-way the next attempt resumes where this one stopped.
    /// </summary>
    private async Task ReceiveAsync(BlobRef blob, byte[] content, Progress progress, CancellationToken cancellationToken)
    {
        var received = progress.Received;
        using var request = new HttpRequestMessage(HttpMethod.Get, blob.Uri);
        request.Headers.Authorization = _token.Header;
        if (received > 0)
        {
            request.Headers.Range = new RangeHeaderValue(received, null);
            // Versions are immutable, but should the server hold other content under this URI it answers 200 with
            // the whole body instead of a range of something else.
            request.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue($"\"{blob.Sha256}\""));
        }
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                progress.Restart();
                received = 0;
                break;
            case HttpStatusCode.PartialContent when response.Content.Headers.ContentRange?.From == received:
                break;
            case HttpStatusCode.PartialContent:
                throw new HttpRequestException($"asked for bytes from {received}, got range {response.Content.Headers.ContentRange}", null, HttpStatusCode.ServiceUnavailable);
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                throw new BlobFetchException(blob.Uri, $"refused ({(int)response.StatusCode} {response.StatusCode}): the bearer token is missing or wrong");
            case HttpStatusCode.NotFound:
                throw new BlobFetchException(blob.Uri, "not held by the server (an unknown version, or one its retention has dropped)");
            case >= HttpStatusCode.InternalServerError:
                throw new HttpRequestException($"server error {(int)response.StatusCode} {response.StatusCode}", null, response.StatusCode);
            default:
                throw new BlobFetchException(blob.Uri, $"unexpected answer {(int)response.StatusCode} {response.StatusCode}");
        }
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        while (received < content.Length)
        {
            stall.CancelAfter(_stallTimeout);
            var read = await body.ReadAsync(content.AsMemory((int)received, (int)Math.Min(ChunkBytes, content.Length - received)), stall.Token);
            if (read == 0)
                throw new IOException($"the body ended after {received} of {content.Length} bytes");
            progress.Digest.AppendData(content, (int)received, read);
            progress.Received = received += read;
        }
        if (await body.ReadAsync(new byte[1], cancellationToken) != 0)
            throw new BlobIntegrityException(blob.Uri, $"the server sent more than the {content.Length} bytes the reference says");
    }

    private static bool IsTransient(Exception e, CancellationToken cancellationToken) => e switch
    {
        BlobFetchException or BlobIntegrityException => false,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        HttpRequestException http => http.StatusCode is null or >= HttpStatusCode.InternalServerError,
        IOException => true,
        _ => false,
    };

    /// <summary>Disposes the client if this fetcher created it.</summary>
    public void Dispose()
    {
        if (_ownsClient)
            _client.Dispose();
    }
}
