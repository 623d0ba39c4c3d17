using R2ec.Tensors.Ops;

namespace R2ec.Tensors.Tests.Ops;

public class TopKTests
{
    [Test]
    public void BestFirstWithTiesByLowerIndex()
    {
        float[] scores = [0.5f, 2f, -1f, 2f, 7f, 0.5f, float.NaN];
        var idx = new int[4];
        var val = new float[4];
        TopK.Select(scores, idx, val);
        Assert.That(idx, Is.EqualTo(new[] { 4, 1, 3, 0 }));
        Assert.That(val, Is.EqualTo(new[] { 7f, 2f, 2f, 0.5f }));
    }

    [Test]
    public void AgreesWithFullSortOnRandomRows()
    {
        var rng = new KeyedRandom(7);
        var scores = Enumerable.Range(0, 3 * 1000).Select(i => (float)rng.Normal((ulong)i)).ToArray();
        var idx = new int[3 * 20];
        TopK.SelectRows(scores, 3, 1000, 20, idx);
        for (var r = 0; r < 3; r++)
        {
            var expected = Enumerable.Range(0, 1000).OrderByDescending(j => scores[r * 1000 + j]).ThenBy(j => j).Take(20);
            Assert.That(idx.Skip(r * 20).Take(20), Is.EqualTo(expected));
        }
    }

    [Test]
    public void MoreThanAvailableIsAnError() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TopK.Select(new float[3], new int[4]));
}
