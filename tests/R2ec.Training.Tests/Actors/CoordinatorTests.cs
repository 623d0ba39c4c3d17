using Akka.Actor;
using Akka.TestKit;
using R2ec.TestSupport.Akka;
using R2ec.Training.Actors;
using R2ec.Training.Blobs;
using R2ec.Training.Compute;
using R2ec.Training.Messages;
using R2ec.Training.Serialization;
using R2ec.Training.Tests.Support;

namespace R2ec.Training.Tests.Actors;

/// <summary>
/// The coordinator's work pulling and step ownership, through Akka.TestKit: probes stand in for the workers, the
/// learner and the driver, and every message crosses the protobuf serializer (<c>serialize-messages = on</c>).
/// </summary>
public sealed class CoordinatorTests
{
    private const string Incarnation = "incarnation-1";
    private NUnitTestKit _kit = null!;

    [SetUp]
    public void StartSystem() => _kit = new NUnitTestKit(AkkaSerialization.SerializeEveryMessage, "coordinator");

    [TearDown]
    public void ShutDownSystem() => _kit.Dispose();

    private (IActorRef Coordinator, TestProbe Learner, TestProbe Driver) Start(params ulong[] samples)
    {
        // A deadline far beyond the test, so that nothing here is a re-request.
        var options = TinyJob.Options("Learner:StepDeadlineSeconds=600");
        var store = new WeightStore();
        store.Put(JobContext.TokenizerKind, 0, [1]);
        store.Put(JobContext.WeightsKind, 1, [2]);
        store.Put(JobContext.ItemsKind, 1, [3]);
        var job = new JobContext(options, TinyJob.Data(options), store, new ToyPolicyFactory(), [1], Incarnation, Serilog.Log.Logger);
        var learner = _kit.CreateTestProbe("learner");
        var driver = _kit.CreateTestProbe("driver");
        var coordinator = _kit.Sys.ActorOf(Props.Create(() => new Coordinator(job, learner.Ref)), "coordinator");
        coordinator.Tell(new RunStep { Step = 0, SampleIndices = { samples }, PolicyVersion = 1, ItemTableVersion = 1 }, driver.Ref);
        return (coordinator, learner, driver);
    }

    private static ulong Sample(RolloutRequest r) => r.Samples.Single().SampleIndex;

    [Test]
    public void A_request_held_by_a_worker_that_terminates_goes_to_an_idle_worker_marked_redelivered()
    {
        var (coordinator, _, _) = Start(3, 5);
        var first = _kit.CreateTestProbe("worker-1");
        var second = _kit.CreateTestProbe("worker-2");

        coordinator.Tell(new WorkRequest { Fresh = true }, first.Ref);
        var held = first.ExpectMsg<RolloutRequest>();
        first.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // one request per worker until it asks again
        coordinator.Tell(new WorkRequest { Fresh = true }, second.Ref);
        var other = second.ExpectMsg<RolloutRequest>();
        coordinator.Tell(new WorkRequest { Fresh = false }, second.Ref); // second is idle again; the queue is empty
        second.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        _kit.Sys.Stop(first.Ref);
        var again = second.ExpectMsg<RolloutRequest>();

        Assert.That(new[] { Sample(held), Sample(other) }, Is.EquivalentTo(new ulong[] { 3, 5 }));
        Assert.That(held.Redelivered, Is.False);
        Assert.That(Sample(again), Is.EqualTo(Sample(held)));
        Assert.That(again.Redelivered, Is.True);
    }

    [Test]
    public void A_worker_that_comes_back_fresh_gets_the_request_it_lost_again()
    {
        var (coordinator, _, _) = Start(7);
        var worker = _kit.CreateTestProbe("worker");

        coordinator.Tell(new WorkRequest { Fresh = true }, worker.Ref);
        var lost = worker.ExpectMsg<RolloutRequest>();
        coordinator.Tell(new WorkRequest { Fresh = true }, worker.Ref); // restarted in place with the request in hand
        var again = worker.ExpectMsg<RolloutRequest>();

        Assert.That(Sample(again), Is.EqualTo(Sample(lost)));
        Assert.That((lost.Redelivered, again.Redelivered), Is.EqualTo((false, true)));
    }

    [Test]
    public void Each_group_is_accepted_once_and_the_learner_gets_the_batch_ordered_by_user_and_sample()
    {
        var (coordinator, learner, _) = Start(3, 5, 9);
        var data = TinyJob.Data(TinyJob.Options()).Dataset.Train;
        RewardedGroup Group(ulong sample) => new()
        {
            Group = new TrajectoryGroup { Step = 0, SampleIndex = sample, UserIndex = (uint)data[(int)sample].User, Incarnation = Incarnation },
        };

        foreach (var sample in new ulong[] { 9, 5, 9, 3 })
            coordinator.Tell(Group(sample));
        var batch = new[] { learner.ExpectMsg<RewardedGroup>(), learner.ExpectMsg<RewardedGroup>(), learner.ExpectMsg<RewardedGroup>() };
        var learn = learner.ExpectMsg<LearnStep>();

        Assert.That(batch.Select(g => g.Group.SampleIndex), Is.EquivalentTo(new ulong[] { 3, 5, 9 }));
        Assert.That(batch.Select(g => (g.Group.UserIndex, g.Group.SampleIndex)), Is.Ordered);
        Assert.That((learn.Step, learn.GroupCount, learn.GroupsDropped), Is.EqualTo((0UL, 3U, 1U)));
    }
}
