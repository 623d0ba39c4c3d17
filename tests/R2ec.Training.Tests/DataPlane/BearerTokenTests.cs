using R2ec.Training.DataPlane;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace R2ec.Training.Tests.DataPlane;

public sealed class BearerTokenTests
{
    private sealed class CapturingSink : ILogEventSink
    {
        public List<string> Lines { get; } = [];

        public void Emit(LogEvent logEvent)
        {
            lock (Lines)
                Lines.Add(logEvent.RenderMessage() + " " + string.Join(" ", logEvent.Properties.Select(p => p.Value.ToString())) + " " + logEvent.Exception);
        }
    }

    [Test]
    public void TheToken_ComesFromTheFileVariable_ThenTheVariable_ThenTheMountedSecret()
    {
        var dir = Directory.CreateTempSubdirectory("r2ec-token-").FullName;
        try
        {
            var file = Path.Combine(dir, "token");
            File.WriteAllText(file, "from-file\n");
            var mounted = Path.Combine(dir, "mounted");
            File.WriteAllText(mounted, "from-mount");

            var fromFile = BearerToken.FromEnvironment(n => n == BearerToken.FileEnvironmentVariable ? file : "from-env", mounted);
            Assert.That(fromFile.IsPresentedBy("Bearer from-file"), Is.True, "the named file wins, without its trailing newline");
            var direct = BearerToken.FromEnvironment(n => n == BearerToken.EnvironmentVariable ? "from-env" : null, mounted);
            Assert.That(direct.IsPresentedBy("Bearer from-env"), Is.True);
            var fromMount = BearerToken.FromEnvironment(_ => null, mounted);
            Assert.That(fromMount.IsPresentedBy("Bearer from-mount"), Is.True);

            var e = Assert.Throws<InvalidOperationException>(() => BearerToken.FromEnvironment(_ => null, Path.Combine(dir, "absent")));
            Assert.That(e!.Message, Does.Contain(BearerToken.EnvironmentVariable).And.Contain(BearerToken.FileEnvironmentVariable));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void OnlyTheExactToken_IsAccepted()
    {
        var token = new BearerToken("s3cret");
        Assert.That(token.IsPresentedBy("Bearer s3cret"), Is.True);
        Assert.That(token.IsPresentedBy("Bearer s3cre"), Is.False);
        Assert.That(token.IsPresentedBy("Bearer s3cret2"), Is.False);
        Assert.That(token.IsPresentedBy("Basic s3cret"), Is.False);
        Assert.That(token.IsPresentedBy(null), Is.False);
        Assert.Throws<ArgumentException>(() => new BearerToken(" \n"));
    }

    [Test]
    public async Task TheToken_NeverAppearsInLogsToStringOrErrors()
    {
        const string secret = "very-secret-token-value";
        var token = new BearerToken(secret);
        var sink = new CapturingSink();
        using var log = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger();
        var options = new BlobServerOptions(token);
        await using (var server = await HttpBlobServer.StartAsync(options, log))
        {
            var blob = server.Publish("weights", 1, BlobServerFixture.Content(200_000, 9));
            var cut = 0;
            server.InjectFault = _ => Interlocked.Increment(ref cut) == 1 ? HttpBlobServer.BodyFault.CutAfter(1000) : null;
            using (var fetcher = new HttpBlobFetcher(token, firstBackoff: TimeSpan.FromMilliseconds(5), log: log))
                Assert.That(await fetcher.FetchAsync(blob), Has.Length.EqualTo(200_000));
            using var wrong = new HttpBlobFetcher(new BearerToken(secret + "x"), log: log);
            var refused = Assert.ThrowsAsync<BlobFetchException>(() => wrong.FetchAsync(blob));
            log.Information("refused: {Error}", refused!.Message);
            log.Information("token {Token} options {Options}", token, options);
        }

        Assert.That(sink.Lines, Has.Count.GreaterThanOrEqualTo(5), "the server, the retry and the refusal all logged");
        Assert.That(string.Join("\n", sink.Lines), Does.Not.Contain(secret));
        Assert.That(token.ToString(), Does.Not.Contain(secret));
        Assert.That(options.ToString(), Does.Not.Contain(secret));
    }
}
