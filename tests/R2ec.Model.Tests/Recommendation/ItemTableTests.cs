using R2ec.Model.Recommendation;

namespace R2ec.Model.Tests.Recommendation;

public class ItemTableTests
{
    [Test]
    public void BlobRoundTripIsExact()
    {
        var table = new ItemTable(42, 3, 2, [0.6f, 0.8f, 1f, 0f, -0.28f, 0.96f]);
        var back = ItemTable.FromBytes(table.ToBytes());
        Assert.Multiple(() =>
        {
            Assert.That(back.Version, Is.EqualTo(42));
            Assert.That(back.Count, Is.EqualTo(3));
            Assert.That(back.Dimension, Is.EqualTo(2));
            Assert.That(back.Vectors.ToArray(), Is.EqualTo(table.Vectors.ToArray()));
            Assert.That(back.Row(2).ToArray(), Is.EqualTo(new[] { -0.28f, 0.96f }));
        });
    }

    [Test]
    public void TruncatedOrForeignBlobsAreRefused()
    {
        var bytes = new ItemTable(1, 2, 2, [1f, 0f, 0f, 1f]).ToBytes();
        var e = Assert.Throws<FormatException>(() => ItemTable.FromBytes(bytes.AsSpan(0, bytes.Length - 4), "v1.items"));
        Assert.That(e!.Message, Does.StartWith("v1.items: ").And.Contain("2 items × 2 dimensions need"));
        bytes[0] = (byte)'X';
        e = Assert.Throws<FormatException>(() => ItemTable.FromBytes(bytes, "v1.items"));
        Assert.That(e!.Message, Does.Contain("magic"));
    }
}
