using R2ec.Training.Learning;
using R2ec.Training.Messages;

namespace R2ec.Training.Tests.Learning;

public sealed class StepCollectorTests
{
    private static RewardedGroup Group(ulong step, ulong sample, uint user) =>
        new() { Group = new TrajectoryGroup { Step = step, SampleIndex = sample, UserIndex = user } };

    [Test]
    public void EachStepSampleIsAcceptedOnce_OthersAreIgnored()
    {
        var collector = new StepCollector(4, [10, 11]);

        Assert.That(collector.Offer(Group(4, 10, 1)), Is.EqualTo(GroupAcceptance.Accepted));
        Assert.That(collector.Offer(Group(4, 10, 1)), Is.EqualTo(GroupAcceptance.Duplicate));
        Assert.That(collector.Offer(Group(3, 11, 2)), Is.EqualTo(GroupAcceptance.OtherStep));
        Assert.That(collector.Offer(Group(4, 12, 2)), Is.EqualTo(GroupAcceptance.Unexpected));
        Assert.That(collector.IsComplete, Is.False);
        Assert.That(collector.Missing, Is.EqualTo(new ulong[] { 11 }));
        Assert.Throws<InvalidOperationException>(() => collector.Ordered());

        Assert.That(collector.Offer(Group(4, 11, 2)), Is.EqualTo(GroupAcceptance.Accepted));
        Assert.That(collector.IsComplete, Is.True);
        Assert.That(collector.Duplicates, Is.EqualTo(1));
    }

    [Test]
    public void Batch_IsOrderedByUserThenSample_WhateverTheArrivalOrder()
    {
        ulong[] samples = [5, 3, 9, 7];
        uint[] users = [2, 2, 0, 1];
        var arrivals = new[] { new[] { 0, 1, 2, 3 }, [3, 2, 1, 0], [2, 0, 3, 1] };
        var orders = arrivals.Select(order =>
        {
            var collector = new StepCollector(1, samples);
            foreach (var i in order)
                collector.Offer(Group(1, samples[i], users[i]));
            return collector.Ordered().Select(g => g.Group.SampleIndex).ToArray();
        }).ToList();

        Assert.That(orders, Has.All.EqualTo(new ulong[] { 9, 7, 3, 5 }));
    }

    [Test]
    public void ASampleListedTwice_IsRejected() =>
        Assert.Throws<ArgumentException>(() => new StepCollector(1, [4, 4]));
}
