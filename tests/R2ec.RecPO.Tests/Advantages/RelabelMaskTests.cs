using R2ec.RecPO;

namespace R2ec.RecPO.Tests.Advantages;

public sealed class RelabelMaskTests
{
    [TestCase(0, new[] { 0f, 0f, 0f, 0f })]
    [TestCase(1, new[] { 0f, 1f, 0f, 0f })]
    [TestCase(2, new[] { 0f, 1f, 1f, 0f })]
    [TestCase(3, new[] { 1f, 1f, 1f, 0f })]
    public void Selects_the_top_k_by_advantage_with_ties_to_the_lower_index(int k, float[] expected)
    {
        var mask = new float[4];
        RelabelMask.TopK([0.5, 2, 2, -1], 4, k, mask);
        Assert.That(mask, Is.EqualTo(expected));
    }

    [Test]
    public void Selects_within_each_group()
    {
        var mask = new float[6];
        RelabelMask.TopK([3, 2, 1, -1, 0, 5], 3, 1, mask);
        Assert.That(mask, Is.EqualTo(new[] { 1f, 0, 0, 0, 0, 1 }));
    }

    [Test]
    public void Rejects_k_larger_than_the_group() =>
        Assert.Throws<ArgumentException>(() => RelabelMask.TopK([1, 2], 2, 3, new float[2]));
}
