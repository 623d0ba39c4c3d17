using System.Net;
using System.Net.Http.Headers;
using R2ec.Training.DataPlane;

namespace R2ec.Training.Tests.DataPlane;

public sealed class HttpBlobServerTests
{
    private HttpBlobServer _server = null!;
    private BearerToken _token = null!;
    private HttpClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        (_server, _token) = await BlobServerFixture.StartAsync();
        _client = new HttpClient();
    }

    [TearDown]
    public async Task TearDown()
    {
        await _server.DisposeAsync();
        _client.Dispose();
    }

    private HttpRequestMessage Get(string uri, bool authorized = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (authorized)
            request.Headers.Authorization = _token.Header;
        return request;
    }

    [Test]
    public async Task WithoutTheToken_TheBlobIsRefused_WithIt_ServedWhole()
    {
        var content = BlobServerFixture.Content(10_000, 1);
        var blob = _server.Publish("weights", 3, content);
        Assert.That(blob.Uri, Is.EqualTo(new Uri(_server.BaseAddress, "blobs/weights/3").AbsoluteUri));

        using var anonymous = await _client.SendAsync(Get(blob.Uri, authorized: false));
        Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(anonymous.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));

        var wrong = Get(blob.Uri, authorized: false);
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token");
        using var refused = await _client.SendAsync(wrong);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        using var ok = await _client.SendAsync(Get(blob.Uri));
        Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await ok.Content.ReadAsByteArrayAsync(), Is.EqualTo(content));
        Assert.That(ok.Headers.ETag?.Tag, Is.EqualTo($"\"{blob.Sha256}\""));
        Assert.That(ok.Headers.AcceptRanges, Does.Contain("bytes"));
    }

    [Test]
    public async Task RangeRequests_Answer206WithContentRange_And416PastTheEnd()
    {
        var content = BlobServerFixture.Content(1000, 2);
        var blob = _server.Publish("items", 1, content);

        var tail = Get(blob.Uri);
        tail.Headers.Range = new RangeHeaderValue(900, null);
        using var partial = await _client.SendAsync(tail);
        Assert.That(partial.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(partial.Content.Headers.ContentRange?.ToString(), Is.EqualTo("bytes 900-999/1000"));
        Assert.That(await partial.Content.ReadAsByteArrayAsync(), Is.EqualTo(content[900..]));

        var middle = Get(blob.Uri);
        middle.Headers.Range = new RangeHeaderValue(10, 19);
        using var slice = await _client.SendAsync(middle);
        Assert.That(await slice.Content.ReadAsByteArrayAsync(), Is.EqualTo(content[10..20]));

        var past = Get(blob.Uri);
        past.Headers.Range = new RangeHeaderValue(1000, null);
        using var unsatisfiable = await _client.SendAsync(past);
        Assert.That(unsatisfiable.StatusCode, Is.EqualTo(HttpStatusCode.RequestedRangeNotSatisfiable));
        Assert.That(unsatisfiable.Content.Headers.ContentRange?.ToString(), Is.EqualTo("bytes */1000"));
    }

    [Test]
    public async Task AnUnknownVersion_Is404_AndRetentionDropsOldVersions()
    {
        var first = _server.Publish("weights", 1, [1]);
        _server.Publish("weights", 2, [2]);
        _server.Publish("weights", 3, [3]);
        using var dropped = await _client.SendAsync(Get(first.Uri));
        Assert.That(dropped.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the default keeps two versions per kind");
        using var garbage = await _client.SendAsync(Get(new Uri(_server.BaseAddress, "blobs/weights/x").AbsoluteUri));
        Assert.That(garbage.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public void AVersionIsImmutable()
    {
        var blob = _server.Publish("weights", 7, [1, 2, 3]);
        Assert.That(_server.Publish("weights", 7, [1, 2, 3]).Sha256, Is.EqualTo(blob.Sha256));
        var e = Assert.Throws<InvalidOperationException>(() => _server.Publish("weights", 7, [9]));
        Assert.That(e!.Message, Does.Contain("weights version 7"));
        Assert.Throws<ArgumentException>(() => _server.Publish("../etc", 1, [1]));
    }

    [Test]
    public async Task Metrics_CountRequestsByStatusAndBytesServed()
    {
        var blob = _server.Publish("weights", 1, new byte[500]);
        (await _client.SendAsync(Get(blob.Uri))).Dispose();
        (await _client.SendAsync(Get(blob.Uri, authorized: false))).Dispose();

        // The server counts a response once it has ended, which may be just after the client has read it.
        Assert.That(() => _server.Metrics.Value("r2ec_blob_requests_total", ("status", "200")), Is.EqualTo(1).After(5000, 20));
        Assert.That(() => _server.Metrics.Value("r2ec_blob_requests_total", ("status", "401")), Is.EqualTo(1).After(5000, 20));
        Assert.That(() => _server.Metrics.Value("r2ec_blob_bytes_served_total"), Is.EqualTo(500).After(5000, 20));
        var text = await _client.GetStringAsync(new Uri(_server.BaseAddress, "metrics"));
        Assert.That(text, Does.Contain("r2ec_blob_versions_held 1\n"));
        Assert.That(text, Does.Contain("r2ec_blob_requests_total{status=\"401\"} 1\n"));
    }
}
