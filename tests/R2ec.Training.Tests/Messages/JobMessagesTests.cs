using Google.Protobuf;
using R2ec.Training.Messages;

namespace R2ec.Training.Tests.Messages;

public sealed class JobMessagesTests
{
    private static Trajectory Trajectory(uint g, int tokens, int dim = 0) => new()
    {
        GroupIndex = g,
        TokenIds = { Enumerable.Range(0, tokens).Select(i => 1000 + i) },
        SamplingLogprobs = { Enumerable.Range(0, tokens).Select(i => -0.01f * i) },
        PlainLogprobs = { Enumerable.Range(0, tokens).Select(i => -0.02f * i) },
        TargetRank = 17 + g,
        TargetProb = 0.003,
        UserEmbedding = { Enumerable.Range(0, dim).Select(i => i / 100f) },
    };

    private static TrajectoryGroup Group(int g, int tokens, int dim = 0)
    {
        var group = new TrajectoryGroup
        {
            Step = 12, PolicyVersion = 11, SampleIndex = 4242, UserIndex = 7, TargetItem = 99,
            PromptTokenIds = { 1, 2, 3 }, ItemTableVersion = 10, Worker = "r2ec://node-2/user/rollout-3",
        };
        for (var i = 0; i < g; i++) group.Trajectories.Add(Trajectory((uint)i, tokens, dim));
        return group;
    }

    internal static IEnumerable<IMessage> Examples()
    {
        yield return new RolloutRequest { Step = 3, PolicyVersion = 2, GroupSize = 4, Seed = 42, Samples = { new RolloutSample { SampleIndex = 5, UserIndex = 9 } } };
        yield return new WorkRequest { Fresh = true };
        yield return Group(4, 32);
        yield return new RewardedGroup { Group = Group(2, 5), Rewards = { 0.5, 0.1 }, Advantages = { 0.7, -0.7 }, RelabelMask = { 1, 0 } };
        yield return new WeightsPublished { Version = 4, Step = 4, Blob = new BlobRef { Uri = "file:///runs/a/weights/4.safetensors", Sha256 = new string('a', 64), SizeBytes = 123456789 } };
        yield return new ItemTablePublished { Version = 2, PolicyVersion = 4, ItemCount = 12000, Dimension = 64, Blob = new BlobRef { Uri = "http://learner:8080/items/2", Sha256 = new string('b', 64), SizeBytes = 3_072_000 } };
        yield return new StepCompleted { Step = 4, PolicyVersion = 5, Metrics = new StepMetrics { RewardMean = 0.2, ClipFraction = 0.1, GroupsReceived = 32 } };
        var blob = new BlobRef { Uri = "mem://weights/3", Sha256 = new string('c', 64), SizeBytes = 1000 };
        yield return new RunStep { Step = 2, SampleIndices = { 4, 8 }, PolicyVersion = 3, ItemTableVersion = 3, LearningRate = 1e-4 };
        yield return new PrefetchStep { Step = 3, SampleIndices = { 5, 9 }, PolicyVersion = 2, ItemTableVersion = 1 };
        yield return new StepDeadline { Step = 2, Attempt = 1 };
        yield return new LearnStep { Step = 2, GroupCount = 8, LearningRate = 1e-4, ItemTableVersion = 3, RolloutSeconds = 0.5, GroupsDropped = 1 };
        yield return new StepFailed { Step = 2, Missing = { 8 }, Attempts = 3, DeadlineSeconds = 60 };
        yield return new StepOwnerFailed { Step = 2, Error = "InjectedFaultException: the coordinator throws" };
        yield return new WarmUpStep { Stage = "lm", Step = 5, SampleIndices = { 1, 2, 3 }, LearningRate = 3e-3 };
        yield return new WarmUpDone { Step = 5, Loss = 2.5, Tokens = 900, ComputeSeconds = 0.2 };
        yield return new SnapshotRequest { IncludeOptimizer = true, AdvanceVersion = true };
        yield return new Snapshot { Version = 3, Weights = blob, Optimizer = blob };
        yield return new RestoreRequest { Version = 3, Weights = blob, Optimizer = blob };
        yield return new BuildItemTable { Version = 3, Weights = blob };
        yield return new EvaluateRequest { Split = "test", Reasoning = true, Weights = blob, ItemTable = blob, MaxUsers = 100, MaxNewTokens = 32 };
        yield return new EvaluationResult { Ranks = { 1, 17, 300 }, ComputeSeconds = 1.5 };
    }

    [Test]
    public void Every_message_type_is_registered() =>
        Assert.That(Examples().Select(m => m.Descriptor.FullName), Is.EquivalentTo(JobMessages.Descriptors.Select(d => d.FullName)));
}
