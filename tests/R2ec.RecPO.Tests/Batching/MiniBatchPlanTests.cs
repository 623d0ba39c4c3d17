using R2ec.RecPO;

namespace R2ec.RecPO.Tests.Batching;

public sealed class MiniBatchPlanTests
{
    [TestCase(OptimizerStepPer.MiniBatch, 6)]
    [TestCase(OptimizerStepPer.Epoch, 2)]
    [TestCase(OptimizerStepPer.Step, 1)]
    public void Optimizer_steps_follow_the_setting(OptimizerStepPer per, int steps)
    {
        var plan = MiniBatchPlan.Create(batchSize: 8, miniBatchSize: 3, epochs: 2, per);
        Assert.Multiple(() =>
        {
            Assert.That(plan.MiniBatchesPerEpoch, Is.EqualTo(3));
            Assert.That(plan.MiniBatches, Has.Count.EqualTo(6));
            Assert.That(plan.OptimizerSteps, Is.EqualTo(steps));
            Assert.That(plan.MiniBatches.Count(m => m.StepAfter), Is.EqualTo(steps));
            Assert.That(plan.MiniBatches[^1].StepAfter, Is.True, "the last mini-batch must flush its gradients");
        });
    }

    [Test]
    public void Mini_batches_cover_the_batch_each_epoch_with_a_short_last_one()
    {
        var plan = MiniBatchPlan.Create(8, 3, 2, OptimizerStepPer.MiniBatch);
        Assert.That(plan.MiniBatches.Select(m => (m.Epoch, m.Start, m.Count)), Is.EqualTo(new[]
        {
            (0, 0, 3), (0, 3, 3), (0, 6, 2), (1, 0, 3), (1, 3, 3), (1, 6, 2),
        }));
    }

    [TestCase(OptimizerStepPer.MiniBatch)]
    [TestCase(OptimizerStepPer.Epoch)]
    [TestCase(OptimizerStepPer.Step)]
    public void Loss_scales_average_each_accumulation_window(OptimizerStepPer per)
    {
        var plan = MiniBatchPlan.Create(8, 3, 2, per);
        var window = 0.0;
        foreach (var miniBatch in plan.MiniBatches)
        {
            window += miniBatch.LossScale;
            if (!miniBatch.StepAfter) continue;
            Assert.That(window, Is.EqualTo(1).Within(1e-12));
            window = 0;
        }
    }

    [Test]
    public void Rejects_an_empty_batch() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => MiniBatchPlan.Create(0, 3, 1, OptimizerStepPer.Epoch));
}
