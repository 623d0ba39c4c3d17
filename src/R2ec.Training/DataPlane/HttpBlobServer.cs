using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using R2ec.Training.Messages;
using Serilog;

namespace R2ec.Training.DataPlane;

/// <summary>
/// The learner's data plane across nodes: versioned blobs served by Kestrel at <c>GET /blobs/{kind}/{version}</c>
/// behind a bearer token, with single-range requests (206/416) so a worker resumes a broken download, the SHA-256
/// as ETag, and the node endpoints (<c>/alive</c>, <c>/ready</c>, <c>/metrics</c>) beside them.
/// </summary>
public sealed class HttpBlobServer : IBlobPublisher, IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly VersionedBlobs _blobs;
    private readonly BearerToken _token;
    private readonly ILogger _log;
    private Uri _advertised = null!;

    private HttpBlobServer(WebApplication app, VersionedBlobs blobs, BearerToken token, NodeMetrics metrics, ILogger log)
    {
        (_app, _blobs, _token, Metrics, _log) = (app, blobs, token, metrics, log);
    }

    /// <summary>The address the server is bound to (with the port Kestrel picked when asked for port 0).</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The counters served at <c>/metrics</c>; a node adds its own beside them.</summary>
    public NodeMetrics Metrics { get; }

    /// <summary>
    /// Test hook for fault injection: given a blob request, the fault to inject into its body, or null to serve it whole.
    /// </summary>
    internal Func<HttpRequest, BodyFault?>? InjectFault { get; set; }

    /// <summary>
    /// After <paramref name="AfterBytes"/> body bytes, the server stops sending for <paramref name="Stall"/> and then
    /// drops the connection. A reset discards what the client has not read yet, so even a plain cut pauses a little
    /// first: the client takes in the sent part, and the cut falls where it was asked for.
    /// </summary>
    internal sealed record BodyFault(long AfterBytes, TimeSpan Stall)
    {
        public static BodyFault CutAfter(long bytes) => new(bytes, TimeSpan.FromMilliseconds(200));
    }

    /// <summary>Starts serving. The token and TLS settings come from <paramref name="options"/>, never from arguments.</summary>
    public static async Task<HttpBlobServer> StartAsync(BlobServerOptions options, ILogger? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        log ??= Serilog.Core.Logger.None;
        var blobs = new VersionedBlobs(options.KeepVersions);
        var metrics = options.Metrics ?? new NodeMetrics();
        metrics.Gauge("r2ec_blob_versions_held", "Blob versions the data plane holds, over all kinds.", () => blobs.Count);
        var app = KestrelHost.CreateBuilder(options.ListenUrl, options.Tls).Build();
        var server = new HttpBlobServer(app, blobs, options.Token, metrics, log);
        NodeEndpoints.Map(app, options.Ready, metrics);
        app.MapGet("/blobs/{kind}/{version}", (HttpContext context, string kind, string version) => server.ServeAsync(context, kind, version));
        await app.StartAsync(cancellationToken);
        server.BaseAddress = KestrelHost.BoundAddress(app);
        // Blob URIs resolve against the advertised base; a trailing slash keeps a path prefix (behind a proxy) in them.
        server._advertised = options.AdvertisedUrl is { } url ? new Uri(url.EndsWith('/') ? url : url + "/") : server.BaseAddress;
        log.Information("Blob server listening on {Address}, advertised as {Advertised}, keeping {Keep} versions per kind", server.BaseAddress, server._advertised, options.KeepVersions);
        return server;
    }

    /// <summary>The URI under which <paramref name="kind"/> version <paramref name="version"/> is served.</summary>
    public string UriOf(string kind, ulong version) => new Uri(_advertised, $"blobs/{kind}/{version.ToString(CultureInfo.InvariantCulture)}").AbsoluteUri;

    /// <inheritdoc/>
    public BlobRef Publish(string kind, ulong version, ReadOnlySpan<byte> content)
    {
        BlobDigest.CheckKind(kind);
        var blob = _blobs.Put(kind, version, content, UriOf(kind, version));
        _log.Information("Published blob {Kind} version {Version}: {Bytes} bytes, sha256 {Sha256}", kind, version, blob.SizeBytes, blob.Sha256);
        return blob;
    }

    /// <inheritdoc/>
    public void Forget(string kind, ulong keepFrom) => _blobs.Forget(kind, keepFrom);

    private async Task ServeAsync(HttpContext context, string kind, string version)
    {
        var counted = new CountingStream(context.Response.Body, context, InjectFault?.Invoke(context.Request));
        context.Response.Body = counted;
        try
        {
            if (!_token.IsPresentedBy(context.Request.Headers.Authorization))
            {
                // The presented header is not logged: it may be a real token meant for another service.
                _log.Warning("Refused blob request for {Path} from {Remote}: no valid bearer token", context.Request.Path.Value, context.Connection.RemoteIpAddress);
                context.Response.Headers.WWWAuthenticate = "Bearer";
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            if (!ulong.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || !_blobs.TryGet(kind, number, out var content, out var blob))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            // Range, If-Range, 206 and 416 handling is ASP.NET's; the ETag is the digest, so a resumed download can
            // only ever continue the same content.
            await Results.Bytes(content, "application/octet-stream", enableRangeProcessing: true,
                entityTag: new EntityTagHeaderValue($"\"{blob.Sha256}\"")).ExecuteAsync(context);
        }
        finally
        {
            Metrics.Increment("r2ec_blob_requests_total", "Blob requests by HTTP status.", 1, ("status", context.Response.StatusCode.ToString(CultureInfo.InvariantCulture)));
            Metrics.Increment("r2ec_blob_bytes_served_total", "Blob body bytes written to clients.", counted.Written);
        }
    }

    /// <summary>Stops serving.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Counts the body bytes written and, under fault injection, stalls and drops the connection after a given count.</summary>
    private sealed class CountingStream(Stream inner, HttpContext context, BodyFault? fault) : Stream
    {
        public long Written { get; private set; }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (fault is not null)
            {
                var cut = fault.AfterBytes;
                if (Written >= cut)
                    return;
                if (Written + buffer.Length >= cut)
                {
                    var part = buffer[..(int)(cut - Written)];
                    await inner.WriteAsync(part, cancellationToken);
                    await inner.FlushAsync(cancellationToken);
                    Written += part.Length;
                    await Task.Delay(fault.Stall, CancellationToken.None);
                    context.Abort();
                    return;
                }
            }
            await inner.WriteAsync(buffer, cancellationToken);
            Written += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
