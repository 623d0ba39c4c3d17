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
}
