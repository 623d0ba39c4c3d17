using R2ec.Training.DataPlane;
using R2ec.Training.Messages;

namespace R2ec.Training.Tests.DataPlane;

public sealed class SharedDirectoryBlobStoreTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("r2ec-blobs-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public async Task APublishedBlob_IsReadBackByAnotherStoreOnTheSameVolume()
    {
        var content = BlobServerFixture.Content(50_000, 7);
        var blob = new SharedDirectoryBlobStore(_dir).Publish("weights", 12, content);
        Assert.That(blob.Uri, Does.StartWith("file://").And.EndWith("/weights/12.blob"));
        Assert.That(blob.SizeBytes, Is.EqualTo(50_000));

        var reader = new SharedDirectoryBlobStore(_dir);
        Assert.That(await reader.FetchAsync(blob), Is.EqualTo(content));
        Assert.That(Directory.GetFiles(Path.Combine(_dir, "weights")), Has.Length.EqualTo(1), "no temporary file is left");
    }

    [Test]
    public void ACorruptedFile_IsDetectedNamingTheUri()
    {
        var store = new SharedDirectoryBlobStore(_dir);
        var blob = store.Publish("weights", 1, BlobServerFixture.Content(1000, 8));
        var path = store.PathOf("weights", 1);
        var bytes = File.ReadAllBytes(path);
        bytes[500] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        var e = Assert.ThrowsAsync<BlobIntegrityException>(() => store.FetchAsync(blob));
        Assert.That(e!.Message, Does.Contain(blob.Uri).And.Contain("sha256"));

        File.WriteAllBytes(path, bytes[..999]);
        e = Assert.ThrowsAsync<BlobIntegrityException>(() => store.FetchAsync(blob));
        Assert.That(e!.Message, Does.Contain("size 999"));
    }

    [Test]
    public void RetentionKeepsTheNewestVersions_AndForgetDropsOlderOnes()
    {
        var store = new SharedDirectoryBlobStore(_dir, keepVersions: 2);
        for (ulong v = 1; v <= 4; v++)
            store.Publish("weights", v, [(byte)v]);
        store.Publish("items", 1, [1]);
        Assert.That(File.Exists(store.PathOf("weights", 2)), Is.False);
        Assert.That(File.Exists(store.PathOf("weights", 3)), Is.True);
        Assert.That(File.Exists(store.PathOf("weights", 4)), Is.True);

        store.Forget("weights", 4);
        Assert.That(File.Exists(store.PathOf("weights", 3)), Is.False);
        Assert.That(File.Exists(store.PathOf("items", 1)), Is.True, "other kinds are untouched");
    }

    [Test]
    public void AFileOutsideTheStore_IsNotRead()
    {
        var outside = Path.Combine(Path.GetTempPath(), $"r2ec-outside-{Guid.NewGuid():N}.blob");
        File.WriteAllBytes(outside, [1]);
        try
        {
            var blob = new BlobRef { Uri = new Uri(outside).AbsoluteUri, SizeBytes = 1, Sha256 = new string('0', 64) };
            var e = Assert.ThrowsAsync<BlobFetchException>(() => new SharedDirectoryBlobStore(_dir).FetchAsync(blob));
            Assert.That(e!.Message, Does.Contain("outside the shared blob directory"));
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Test]
    public void DifferentContentUnderAnExistingVersion_IsRefused()
    {
        var store = new SharedDirectoryBlobStore(_dir);
        store.Publish("weights", 1, [1]);
        Assert.DoesNotThrow(() => store.Publish("weights", 1, [1]));
        Assert.Throws<InvalidOperationException>(() => store.Publish("weights", 1, [2]));
    }
}
