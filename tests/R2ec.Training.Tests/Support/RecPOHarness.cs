using R2ec.Data.Datasets;
using R2ec.Model.Recommendation;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;
using R2ec.Training.Learning;
using R2ec.Training.Messages;
using R2ec.Training.Scoring;

namespace R2ec.Training.Tests.Support;

/// <summary>
/// The production rollout → reward → learner path at a tiny size, without the actors: R2ec.Model's real policy samples
/// groups (<see cref="IPolicyCompute.SampleGroup"/>), they become the wire messages a rollout worker sends
/// (<see cref="TrajectoryMessages"/>), the reward actor's arithmetic scores them (<see cref="GroupRewarder"/>), and the
/// learner's own update (<see cref="RecPOUpdate"/>) trains on them.
/// </summary>
internal sealed class RecPOHarness : IDisposable
{
    internal static readonly string[] Tiny =
    [
        "Model:HiddenSize=16", "Model:Layers=1", "Model:Heads=2", "Model:KeyValueHeads=1", "Model:IntermediateSize=32",
        "Stages:TokenizerVocabulary=320", "Data:HistoryWindow=3", "Learner:GradClip=1", "Learner:WeightDecay=0",
    ];

    private ulong _tableVersion;

    public RecPOHarness(params string[] sets)
    {
        Options = TinyJob.Options([.. Tiny, .. sets]);
        Data = TinyJob.Data(Options);
        var factory = new R2ecPolicyFactory(Options);
        Policy = factory.Create(factory.BuildTokenizer(Data, Options.Stages.TokenizerVocabulary), Data, Options.Run.Seed);
        Items = Encode();
    }

    public JobOptions Options { get; }

    public TrainingData Data { get; }

    public IPolicyCompute Policy { get; }

    public ItemTable Items { get; private set; }

    public IReadOnlyList<Sample> Train => Data.Dataset.Train;

    /// <summary>Re-encodes the item table with the current weights (the learner's item-table refresh).</summary>
    public ItemTable Encode()
    {
        var buffer = new float[Data.ItemCount * Policy.EmbeddingSize];
        Policy.EncodeItems(1, Data.ItemCount, buffer);
        return Items = new ItemTable((long)++_tableVersion, Data.ItemCount, Policy.EmbeddingSize, buffer);
    }

    /// <summary>What a rollout worker sends for training sample <paramref name="sampleIndex"/> at RecPO step <paramref name="step"/>.</summary>
    public TrajectoryGroup Rollout(long step, int sampleIndex)
    {
        var sample = Train[sampleIndex];
        var o = Options.Rollout;
        var sampled = Policy.SampleGroup(sample, new GroupSampling(o.GroupSize, o.Temperature, o.TopK, o.TopP, o.MaxNewTokens,
            Options.Run.Seed, (ulong)step, (ulong)sampleIndex), Items);
        var group = new TrajectoryGroup { Step = (ulong)step, SampleIndex = (ulong)sampleIndex, TargetItem = (uint)sample.Target, PromptTokenIds = { sampled.PromptTokens } };
        group.Trajectories.AddRange(TrajectoryMessages.From(sampled, sample));
        return group;
    }

    /// <summary>The reward actor's fused reward, advantages and relabel mask.</summary>
    public RewardedGroup Reward(TrajectoryGroup group) => GroupRewarder.Reward(group, Options.RecPO);

    /// <summary>Advantages and relabel mask from another task's rewards, by the reward actor's own arithmetic.</summary>
    public RewardedGroup Reward(TrajectoryGroup group, Func<Trajectory, double> reward) =>
        GroupRewarder.WithRewards(group, group.Trajectories.Select(reward).ToList(), Options.RecPO);

    /// <summary>The learner's update on rewarded groups (ordered as given).</summary>
    public List<LearnStats> Learn(IReadOnlyList<RewardedGroup> groups, double learningRate) =>
        RecPOUpdate.Learn(Policy, RecPOUpdate.Rows(groups, Train), Options, learningRate);

    public void Dispose() => Policy.Dispose();
}
