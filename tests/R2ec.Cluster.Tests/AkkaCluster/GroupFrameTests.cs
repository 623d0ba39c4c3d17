using R2ec.Cluster.Tests.Deployment;
using R2ec.Training.Cluster;
using R2ec.Training.Configuration;
using R2ec.Training.Messages;

namespace R2ec.Cluster.Tests.AkkaCluster;

/// <summary>A node refuses at start a group size and token limit whose groups may not fit one remoting frame (issue 18).</summary>
public sealed class GroupFrameTests
{
    [Test]
    public void The_worst_case_bound_holds_for_a_group_of_full_length_trajectories_with_large_token_ids()
    {
        const int groupSize = 8, maxNewTokens = 100, promptTokens = 200;
        var group = new TrajectoryGroup
        {
            Step = ulong.MaxValue, PolicyVersion = ulong.MaxValue, SampleIndex = ulong.MaxValue, UserIndex = uint.MaxValue, TargetItem = uint.MaxValue,
            ItemTableVersion = ulong.MaxValue, ComputeSeconds = 1.5, GeneratedTokens = ulong.MaxValue,
            Worker = "akka.tcp://r2ec@r2ec-rollout-7d9f8c6b5-x2x4q.r2ec-rollout.default.svc.cluster.local:2552/user/rollout-249/worker",
            Incarnation = Guid.NewGuid().ToString("N"),
        };
        // Token ids just below 2^21 take the 3-byte varints the bound allows for.
        group.PromptTokenIds.AddRange(Enumerable.Repeat((1 << 21) - 1, promptTokens));
        for (var g = 0; g < groupSize; g++)
        {
            var t = new Trajectory { GroupIndex = (uint)g, AnswerAppended = true, TargetRank = uint.MaxValue, TargetProb = 0.5 };
            t.TokenIds.AddRange(Enumerable.Repeat((1 << 21) - 1, maxNewTokens + 1));
            t.SamplingLogprobs.AddRange(Enumerable.Repeat(-1.5f, maxNewTokens + 1));
            t.PlainLogprobs.AddRange(Enumerable.Repeat(-1.5f, maxNewTokens + 1));
            group.Trajectories.Add(t);
        }
        Assert.That(group.CalculateSize(), Is.LessThanOrEqualTo(RemoteFrame.WorstCaseGroupBytes(groupSize, maxNewTokens, promptTokens)));
    }

    [Test]
    public void G_64_with_640_tokens_is_refused_at_the_default_frame_size_naming_the_size_that_fits()
    {
        var options = Repository.Options("Rollout:GroupSize=64", "Rollout:MaxNewTokens=640");
        var refused = Assert.Throws<ConfigurationException>(() => RemoteFrame.CheckGroupsFit(options))!;
        var needed = RemoteFrame.WorstCaseGroupBytes(64, 640, options.Model.MaxPositions) + RemoteFrame.EnvelopeAllowance;
        Assert.That(refused.Message, Does.Contain("Rollout:GroupSize = 64").And.Contain("Cluster:MaximumFrameSizeBytes = 128000")
            .And.Contain($"at least {needed}"));
        Assert.That(() => RemoteFrame.CheckGroupsFit(Repository.Options("Rollout:GroupSize=64", "Rollout:MaxNewTokens=640",
            $"Cluster:MaximumFrameSizeBytes={needed}")), Throws.Nothing, "the frame size the message names is enough");
    }

    [Test]
    public void The_shipped_configuration_fits()
    {
        Assert.That(() => RemoteFrame.CheckGroupsFit(Repository.Options()), Throws.Nothing);
    }
}
