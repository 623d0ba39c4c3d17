using System.Security.Cryptography;
using R2ec.Training.Blobs;

namespace R2ec.Training.Tests.Blobs;

public sealed class WeightStoreTests
{
    [Test]
    public void Put_NamesTheBlobByVersionAndDigest_AndFetchReturnsItsContent()
    {
        var store = new WeightStore();
        byte[] content = [1, 2, 3, 4];

        var blob = store.Put("weights", 7, content);
        content[0] = 99; // the store keeps its own copy

        Assert.That(blob.Uri, Is.EqualTo("mem://weights/7"));
        Assert.That(blob.Sha256, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(new byte[] { 1, 2, 3, 4 }))));
        Assert.That(blob.SizeBytes, Is.EqualTo(4UL));
        Assert.That(store.Fetch(blob).ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4 }));
    }

    [Test]
    public void Versions_AreImmutable()
    {
        var store = new WeightStore();
        store.Put("weights", 1, [1]);

        Assert.That(store.Put("weights", 1, [1]).Uri, Is.EqualTo("mem://weights/1"), "the same content again is fine");
        var e = Assert.Throws<InvalidOperationException>(() => store.Put("weights", 1, [2]));
        Assert.That(e!.Message, Does.Contain("weights version 1 already exists"));
    }

    [Test]
    public void Fetch_RejectsAReferenceWhoseDigestDoesNotMatch()
    {
        var store = new WeightStore();
        var blob = store.Put("items", 3, [5, 6]);
        var forged = blob.Clone();
        forged.Sha256 = new string('0', 64);

        var e = Assert.Throws<InvalidDataException>(() => store.Fetch(forged));
        Assert.That(e!.Message, Does.Contain("mem://items/3").And.Contain("not in the store"));

        var wrongSize = blob.Clone();
        wrongSize.SizeBytes = 3;
        var sized = Assert.Throws<R2ec.Training.DataPlane.BlobIntegrityException>(() => store.Fetch(wrongSize));
        Assert.That(sized!.Message, Does.Contain("mem://items/3").And.Contain("size 2 bytes"));
    }

    [Test]
    public void Forget_DropsOlderVersionsOfOneKindOnly()
    {
        var store = new WeightStore();
        store.Put("weights", 1, [1]);
        store.Put("weights", 2, [2]);
        store.Put("items", 1, [3]);

        store.Forget("weights", 2);

        Assert.That(store.Find("weights", 1), Is.Null);
        Assert.That(store.Find("weights", 2), Is.Not.Null);
        Assert.That(store.Find("items", 1), Is.Not.Null);
        Assert.Throws<InvalidDataException>(() => store.Fetch(new R2ec.Training.Messages.BlobRef { Uri = WeightStore.UriOf("weights", 1) }));
    }

    [Test]
    public void Put_PublishesOnlyTheSharedKinds_AndTheReferenceNamesThePublishedUri()
    {
        var publisher = new RecordingPublisher();
        var store = new WeightStore(publisher, new HashSet<string> { "weights" }, fetcher: null);

        var weights = store.Put("weights", 2, [1, 2]);
        var optimizer = store.Put("optimizer", 2, [3]);
        store.Forget("weights", 3);
        store.Forget("optimizer", 3);

        Assert.That(weights.Uri, Is.EqualTo("test://weights/2"));
        Assert.That(optimizer.Uri, Is.EqualTo("mem://optimizer/2"));
        Assert.That(publisher.Published, Is.EqualTo(new[] { "weights/2" }));
        Assert.That(publisher.Forgotten, Is.EqualTo(new[] { "weights<3" }));
    }

    [Test]
    public async Task FetchAsync_ReadsAHeldBlobByItsDigest_WhateverItsUri()
    {
        var store = new WeightStore(new RecordingPublisher(), new HashSet<string> { "weights" }, fetcher: null);
        var blob = store.Put("weights", 1, [4, 5, 6]);

        Assert.That(store.Fetch(blob).ToArray(), Is.EqualTo(new byte[] { 4, 5, 6 }));
        Assert.That((await store.FetchAsync(blob)).ToArray(), Is.EqualTo(new byte[] { 4, 5, 6 }));
    }

    [Test]
    public async Task FetchAsync_FetchesARemoteBlobOnce_AndVerifiesIt()
    {
        var origin = new WeightStore();
        var blob = origin.Put("items", 1, [7, 8, 9]);
        var fetcher = new CountingFetcher(origin);
        var store = new WeightStore(null, new HashSet<string>(), fetcher);

        var first = await store.FetchAsync(blob);
        var second = await store.FetchAsync(blob);

        Assert.That(first.ToArray(), Is.EqualTo(new byte[] { 7, 8, 9 }));
        Assert.That(second.ToArray(), Is.EqualTo(first.ToArray()));
        Assert.That(fetcher.Calls, Is.EqualTo(1), "a cached digest is not fetched again");

        var wrong = blob.Clone();
        wrong.SizeBytes = 4;
        Assert.ThrowsAsync<R2ec.Training.DataPlane.BlobIntegrityException>(async () => await store.FetchAsync(wrong));
    }

    [Test]
    public async Task FetchAsync_TriesAgainAfterAFailedFetch()
    {
        var origin = new WeightStore();
        var blob = origin.Put("weights", 1, [1]);
        var fetcher = new CountingFetcher(origin) { FailFirst = true };
        var store = new WeightStore(null, new HashSet<string>(), fetcher);

        Assert.ThrowsAsync<R2ec.Training.DataPlane.BlobFetchException>(async () => await store.FetchAsync(blob));
        Assert.That((await store.FetchAsync(blob)).ToArray(), Is.EqualTo(new byte[] { 1 }));
        Assert.That(fetcher.Calls, Is.EqualTo(2));
    }

    [Test]
    public void FetchAsync_WithoutAFetcher_SaysTheBlobIsNotHere()
    {
        var blob = new WeightStore().Put("weights", 1, [1]);

        var e = Assert.ThrowsAsync<InvalidDataException>(async () => await new WeightStore().FetchAsync(blob));
        Assert.That(e!.Message, Does.Contain("mem://weights/1").And.Contain("fetches nothing"));
    }

    private sealed class RecordingPublisher : R2ec.Training.DataPlane.IBlobPublisher
    {
        public List<string> Published { get; } = [];
        public List<string> Forgotten { get; } = [];

        public R2ec.Training.Messages.BlobRef Publish(string kind, ulong version, ReadOnlySpan<byte> content)
        {
            Published.Add($"{kind}/{version}");
            return new R2ec.Training.Messages.BlobRef
            {
                Uri = $"test://{kind}/{version}", Sha256 = Convert.ToHexStringLower(SHA256.HashData(content)), SizeBytes = (ulong)content.Length,
            };
        }

        public void Forget(string kind, ulong keepFrom) => Forgotten.Add($"{kind}<{keepFrom}");
    }

    private sealed class CountingFetcher(WeightStore origin) : R2ec.Training.DataPlane.IBlobFetcher
    {
        public int Calls { get; private set; }
        public bool FailFirst { get; init; }

        public Task<byte[]> FetchAsync(R2ec.Training.Messages.BlobRef blob, CancellationToken cancellationToken = default)
        {
            Calls++;
            if (FailFirst && Calls == 1)
                throw new R2ec.Training.DataPlane.BlobFetchException(blob.Uri, "connection refused");
            return Task.FromResult(origin.Fetch(blob).ToArray());
        }
    }
}
