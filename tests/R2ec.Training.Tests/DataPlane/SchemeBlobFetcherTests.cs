using R2ec.Training.DataPlane;
using R2ec.Training.Messages;

namespace R2ec.Training.Tests.DataPlane;

public sealed class SchemeBlobFetcherTests
{
    [Test]
    public async Task EachUri_GoesToTheFetcherOfItsScheme()
    {
        var dir = Directory.CreateTempSubdirectory("r2ec-scheme-").FullName;
        try
        {
            var (server, token) = await BlobServerFixture.StartAsync();
            await using var _ = server;
            var shared = new SharedDirectoryBlobStore(dir);
            using var http = new HttpBlobFetcher(token);
            var fetcher = new SchemeBlobFetcher(new Dictionary<string, IBlobFetcher> { ["http"] = http, ["file"] = shared });

            Assert.That(await fetcher.FetchAsync(server.Publish("weights", 1, [1, 2])), Is.EqualTo(new byte[] { 1, 2 }));
            Assert.That(await fetcher.FetchAsync(shared.Publish("items", 1, [3])), Is.EqualTo(new byte[] { 3 }));
            var e = Assert.ThrowsAsync<BlobFetchException>(() => fetcher.FetchAsync(new BlobRef { Uri = "mem://weights/1" }));
            Assert.That(e!.Message, Does.Contain("no fetcher for scheme 'mem'").And.Contain("file, http"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
