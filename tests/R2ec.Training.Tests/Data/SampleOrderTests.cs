using R2ec.Training;
using R2ec.Training.Jobs;

namespace R2ec.Training.Tests.Data;

public sealed class SampleOrderTests
{
    [Test]
    public void EachEpoch_IsAPermutation_FixedByTheSeed()
    {
        var order = new SampleOrder(42, 50);
        var epoch0 = order.Range(0, 50);
        var epoch1 = order.Range(50, 50);

        Assert.That(epoch0.Order(), Is.EqualTo(Enumerable.Range(0, 50)));
        Assert.That(epoch1.Order(), Is.EqualTo(Enumerable.Range(0, 50)));
        Assert.That(epoch1, Is.Not.EqualTo(epoch0));
        Assert.That(new SampleOrder(42, 50).Range(37, 20), Is.EqualTo(order.Range(37, 20)), "positions do not depend on what was read before");
        Assert.That(new SampleOrder(43, 50).Range(0, 50), Is.Not.EqualTo(epoch0));
    }

    [Test]
    public void BatchAcrossAnEpochBoundary_HoldsDistinctSamples()
    {
        var order = new SampleOrder(7, 5);

        var (indices, next) = StageRunner.NextBatch(order, 3, 5);

        Assert.That(indices.Distinct().Count(), Is.EqualTo(5));
        Assert.That(next, Is.GreaterThanOrEqualTo(8));
    }
}
