using R2ec.Training.Learning;
using R2ec.Training.Messages;

namespace R2ec.Training.Tests.Learning;

public sealed class ThroughputTests
{
    private static StepMetrics Step(uint workers) => new()
    {
        StepSeconds = 1.0, RolloutComputeSeconds = 1.2, RewardSeconds = 0.1, LearnerComputeSeconds = 0.3, Trajectories = 32, RolloutWorkers = workers,
    };

    [Test]
    public void Overhead_DividesRolloutComputeByTheWorkersThatSampled_CappedByTheSharedCores()
    {
        var steps = new[] { Step(2), Step(4) };

        var ownMachines = Throughput.Of(steps, cores: null);
        var oneMachine = Throughput.Of(steps, cores: 2);

        // Each worker on its own machine: (1.2/2 + 0.4) + (1.2/4 + 0.4) = 1.7 of 2.0 s.
        Assert.That(ownMachines.ComputeSeconds, Is.EqualTo(1.7).Within(1e-12));
        Assert.That(ownMachines.OverheadFraction, Is.EqualTo(0.15).Within(1e-12));
        // Sharing 2 cores, the 4 workers of step 2 compute no faster than 2: (0.6 + 0.4) * 2 = 2.0 of 2.0 s.
        Assert.That(oneMachine.ComputeSeconds, Is.EqualTo(2.0).Within(1e-12));
        Assert.That(oneMachine.Workers, Is.EqualTo(4));
        Assert.That(oneMachine.TrajectoriesPerSecond, Is.EqualTo(32.0));
    }
}
