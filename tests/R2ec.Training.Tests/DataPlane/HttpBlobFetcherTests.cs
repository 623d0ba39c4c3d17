using R2ec.Training.DataPlane;
using R2ec.Training.Messages;

namespace R2ec.Training.Tests.DataPlane;

public sealed class HttpBlobFetcherTests
{
    private HttpBlobServer _server = null!;
    private BearerToken _token = null!;

    [SetUp]
    public async Task SetUp() => (_server, _token) = await BlobServerFixture.StartAsync();

    [TearDown]
    public async Task TearDown() => await _server.DisposeAsync();

    private HttpBlobFetcher Fetcher(BearerToken? token = null, int maxAttempts = 5) =>
        new(token ?? _token, maxAttempts: maxAttempts, firstBackoff: TimeSpan.FromMilliseconds(5));

    [Test]
    public async Task Fetch_ReturnsTheVerifiedBytes()
    {
        var content = BlobServerFixture.Content(3 << 20, 3);
        var blob = _server.Publish("weights", 1, content);
        using var fetcher = Fetcher();
        Assert.That(await fetcher.FetchAsync(blob), Is.EqualTo(content));
    }

    [Test]
    public async Task AConnectionCutMidBody_IsResumedWithARangeRequest_AndVerified()
    {
        var content = BlobServerFixture.Content(4 << 20, 4);
        var blob = _server.Publish("weights", 1, content);
        var ranges = new List<string>();
        _server.InjectFault = request =>
        {
            lock (ranges)
                ranges.Add(request.Headers.Range.ToString());
            return request.Headers.Range.Count == 0 ? HttpBlobServer.BodyFault.CutAfter(content.Length / 3) : null;
        };
        using var fetcher = Fetcher();

        Assert.That(await fetcher.FetchAsync(blob), Is.EqualTo(content));
        Assert.That(ranges, Has.Count.EqualTo(2), "one cut request, one resumed");
        Assert.That(ranges[0], Is.Empty);
        Assert.That(ranges[1], Does.Match(@"^bytes=\d+-$"));
        Assert.That(long.Parse(ranges[1][6..^1]), Is.GreaterThan(0).And.LessThanOrEqualTo(content.Length / 3));
        // The server counts a response once it has ended, which may be just after the client has read it.
        Assert.That(() => _server.Metrics.Value("r2ec_blob_bytes_served_total"), Is.EqualTo(content.Length).Within(content.Length / 3).After(5000, 20),
            "the resumed request sends only the rest, not the whole blob again");
    }

    [Test]
    public async Task AServerThatKeepsCutting_ExhaustsTheBoundedRetries()
    {
        var blob = _server.Publish("weights", 1, BlobServerFixture.Content(100_000, 5));
        var requests = 0;
        _server.InjectFault = _ => { Interlocked.Increment(ref requests); return HttpBlobServer.BodyFault.CutAfter(0); };
        using var fetcher = Fetcher(maxAttempts: 3);

        var e = Assert.ThrowsAsync<BlobFetchException>(() => fetcher.FetchAsync(blob));
        Assert.That(e!.Message, Does.Contain(blob.Uri).And.Contain("gave up after 3 attempts"));
        Assert.That(requests, Is.EqualTo(3));
    }

    [Test]
    public async Task AStalledBody_CountsAsADroppedConnection_AndIsResumed()
    {
        var content = BlobServerFixture.Content(1 << 20, 11);
        var blob = _server.Publish("weights", 1, content);
        var requests = 0;
        _server.InjectFault = _ => Interlocked.Increment(ref requests) == 1 ? new HttpBlobServer.BodyFault(1000, TimeSpan.FromSeconds(2)) : null;
        using var fetcher = new HttpBlobFetcher(_token, firstBackoff: TimeSpan.FromMilliseconds(5), stallTimeout: TimeSpan.FromMilliseconds(300));

        Assert.That(await fetcher.FetchAsync(blob), Is.EqualTo(content));
        Assert.That(requests, Is.EqualTo(2), "the stalled request was given up and the rest asked for again");
    }

    [Test]
    public async Task ADigestMismatch_IsRefusedNamingTheUri()
    {
        var blob = _server.Publish("weights", 1, BlobServerFixture.Content(1000, 6));
        var forged = new BlobRef(blob) { Sha256 = new string('0', 64) };
        using var fetcher = Fetcher();

        var e = Assert.ThrowsAsync<BlobIntegrityException>(() => fetcher.FetchAsync(forged));
        Assert.That(e!.Uri, Is.EqualTo(blob.Uri));
        Assert.That(e.Message, Does.Contain(blob.Uri).And.Contain(blob.Sha256));

        var shorter = new BlobRef(blob) { SizeBytes = 999 };
        Assert.ThrowsAsync<BlobIntegrityException>(() => fetcher.FetchAsync(shorter));
        Assert.That(await fetcher.FetchAsync(blob), Has.Length.EqualTo(1000));
    }

    [Test]
    public void AVersionDroppedByRetention_FailsAtOnceSayingSo()
    {
        var old = _server.Publish("weights", 1, [1]);
        _server.Forget("weights", 2);
        using var fetcher = Fetcher();
        var e = Assert.ThrowsAsync<BlobFetchException>(() => fetcher.FetchAsync(old));
        Assert.That(e!.Message, Does.Contain(old.Uri).And.Contain("retention"));
    }

    [Test]
    public void AWrongToken_FailsAtOnceWithoutRetrying()
    {
        var blob = _server.Publish("weights", 1, [1, 2, 3]);
        using var fetcher = Fetcher(BearerToken.Random());
        var e = Assert.ThrowsAsync<BlobFetchException>(() => fetcher.FetchAsync(blob));
        Assert.That(e!.Message, Does.Contain("401"));
        Assert.That(() => _server.Metrics.Value("r2ec_blob_requests_total", ("status", "401")), Is.EqualTo(1).After(5000, 20));
    }
}
