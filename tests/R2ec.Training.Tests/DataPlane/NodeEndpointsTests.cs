using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using R2ec.Training.DataPlane;

namespace R2ec.Training.Tests.DataPlane;

public sealed class NodeEndpointsTests
{
    private static readonly Regex Sample = new(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*=""(\\.|[^""\\])*"",?)*\})? (\S+)$");

    [Test]
    public async Task Ready_FollowsTheDelegate_AndAliveAlwaysAnswers()
    {
        var ready = false;
        await using var endpoints = await NodeEndpoints.StartAsync("http://127.0.0.1:0", () => ready, new NodeMetrics());
        using var client = new HttpClient { BaseAddress = endpoints.BaseAddress };
        Assert.That(endpoints.BaseAddress.Port, Is.Not.Zero, "port 0 is replaced by the bound port");

        using (var notReady = await client.GetAsync("/ready"))
            Assert.That(notReady.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        ready = true;
        using (var nowReady = await client.GetAsync("/ready"))
            Assert.That(nowReady.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var alive = await client.GetAsync("/alive");
        Assert.That(alive.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Metrics_AreServedInThePrometheusTextFormat()
    {
        var metrics = new NodeMetrics();
        metrics.Increment("r2ec_steps_total", "Steps done.", 3);
        metrics.Increment("r2ec_requests_total", "Requests.", 1, ("status", "200"), ("path", "a\"b\\c"));
        metrics.Gauge("r2ec_queue_depth", "Queued items.", () => 2.5);
        await using var endpoints = await NodeEndpoints.StartAsync("http://127.0.0.1:0", () => true, metrics);
        using var client = new HttpClient { BaseAddress = endpoints.BaseAddress };

        using var response = await client.GetAsync("/metrics");
        Assert.That(response.Content.Headers.ContentType?.ToString(), Does.StartWith("text/plain; version=0.0.4"));
        var text = await response.Content.ReadAsStringAsync();
        var values = new Dictionary<string, double>();
        var typed = new HashSet<string>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
                continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.That(parts[3], Is.AnyOf("counter", "gauge"), line);
                typed.Add(parts[2]);
                continue;
            }
            var match = Sample.Match(line);
            Assert.That(match.Success, Is.True, $"not a Prometheus sample line: {line}");
            Assert.That(typed, Does.Contain(match.Groups[1].Value), "each sample follows its # TYPE line");
            values[line[..line.LastIndexOf(' ')]] = double.Parse(match.Groups[5].Value, CultureInfo.InvariantCulture);
        }
        Assert.That(values["r2ec_steps_total"], Is.EqualTo(3));
        Assert.That(values["r2ec_queue_depth"], Is.EqualTo(2.5));
        Assert.That(values["r2ec_requests_total{path=\"a\\\"b\\\\c\",status=\"200\"}"], Is.EqualTo(1));
    }

    [Test]
    public void AListenUrlWithAHostName_IsRefusedClearly()
    {
        var e = Assert.ThrowsAsync<ArgumentException>(() => NodeEndpoints.StartAsync("http://learner.example:8080", () => true, new NodeMetrics()));
        Assert.That(e!.Message, Does.Contain("learner.example").And.Contain("IP address"));
    }

    [Test]
    public async Task AnAdvertisedUrl_NamesTheBlobs()
    {
        var token = BearerToken.Random();
        await using var server = await HttpBlobServer.StartAsync(new BlobServerOptions(token) { AdvertisedUrl = "http://learner.r2ec.svc:8080/data" });
        Assert.That(server.Publish("weights", 5, [1]).Uri, Is.EqualTo("http://learner.r2ec.svc:8080/data/blobs/weights/5"));
    }

    [Test]
    public void BadNames_AndTypeChanges_AreRefused()
    {
        var metrics = new NodeMetrics();
        Assert.Throws<ArgumentException>(() => metrics.Increment("1bad", "x"));
        Assert.Throws<ArgumentException>(() => metrics.Increment("ok_total", "x", 1, ("bad-label", "v")));
        metrics.Gauge("g", "x", () => 1);
        Assert.Throws<ArgumentException>(() => metrics.Increment("g", "x"));
    }
}
