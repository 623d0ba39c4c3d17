using R2ec.Model.Recommendation;
using System.Collections;
using R2ec.Model.Policy;
using R2ec.Training;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;
using R2ec.Training.Torch;

namespace R2ec.Model.Torch.Tests;

/// <summary>
/// A tiny job (2 layers, d 32, 4 heads / 2 KV heads, a 320-token vocabulary trained on synthetic data) with policies on
/// either backend, built from the same tokenizer and seed, and the learn rows both the parity and the golden tests use.
/// </summary>
internal sealed class TinyJobFixture
{
    private static readonly string[] Sets =
    [
        "Data:SyntheticUsers=24", "Data:SyntheticItems=30", "Data:HistoryWindow=4",
        "Model:HiddenSize=32", "Model:Layers=2", "Model:Heads=4", "Model:KeyValueHeads=2", "Model:IntermediateSize=48",
        "Stages:TokenizerVocabulary=320", "Learner:GradClip=1", "Learner:WeightDecay=0.01", "Learner:MiniBatchSize=8",
        "Learner:PpoEpochs=2", "Rollout:GroupSize=4", "Rollout:MaxNewTokens=6", "Engine:Threads=2",
        // The golden fixture was recorded with the in-batch item loss; the table negatives share every backend line
        // but the column choice (ItemColumns.For), which the managed tests cover.
        "RecPO:ItemNegatives=InBatch",
        // Recorded without the reasoning cold start, whose rationale rows the recommendation warm-up would add.
        "Stages:ReasoningColdStartSteps=0",
    ];

    public TinyJobFixture()
    {
        TorchRuntime.Load(threads: 2);
        Options = JobConfiguration.Load(null, Sets, new Hashtable());
        Data = TrainingData.Synthetic(Options.Data.SyntheticSeed, Options.Data.SyntheticUsers, Options.Data.SyntheticItems, Options.Data.HistoryWindow);
        Tokenizer = new R2ecPolicyFactory(Options).BuildTokenizer(Data, Options.Stages.TokenizerVocabulary);
    }

    public JobOptions Options { get; }

    /// <summary>The fixture's options with <paramref name="sets"/> applied on top (for a variant of the loss).</summary>
    public static JobOptions OptionsWith(params string[] sets) => JobConfiguration.Load(null, [.. Sets, .. sets], new Hashtable());

    public TrainingData Data { get; }

    public byte[] Tokenizer { get; }

    public IPolicyCompute Managed() => new R2ecPolicyFactory(Options).Create(Tokenizer, Data, Options.Run.Seed);

    public IPolicyCompute Torch() => new TorchPolicyFactory(Options).Create(Tokenizer, Data, Options.Run.Seed);

    /// <summary>The managed policy both backends start from.</summary>
    public R2ecPolicy InitialPolicy() => new R2ecPolicyFactory(Options).CreatePolicy(Tokenizer, Options.Run.Seed);

    /// <summary>The key of the sampled group of training sample <paramref name="sample"/>.</summary>
    public GroupSampling Key(int sample)
    {
        var o = Options.Rollout;
        return new GroupSampling(o.GroupSize, o.Temperature, o.TopK, o.TopP, o.MaxNewTokens, 7, 1, (ulong)sample);
    }

    /// <summary>The item table <paramref name="policy"/> encodes now.</summary>
    public ItemTable Items(IPolicyCompute policy)
    {
        var items = new float[Data.ItemCount * policy.EmbeddingSize];
        policy.EncodeItems(1, Data.ItemCount, items);
        return new ItemTable(1, Data.ItemCount, policy.EmbeddingSize, items);
    }

    /// <summary>Learn rows from groups the policy samples for 4 samples, with fixed advantages of both signs and every other row relabelled.</summary>
    public List<LearnRow> Rows(IPolicyCompute policy)
    {
        var table = Items(policy);
        var rows = new List<LearnRow>();
        for (var s = 0; s < 4; s++)
        {
            var sample = Data.Dataset.Train[s];
            var group = policy.SampleGroup(sample, Key(s), table);
            for (var j = 0; j < group.Trajectories.Count; j++)
            {
                var t = group.Trajectories[j];
                rows.Add(new LearnRow(sample, group.PromptTokens, t.Tokens, t.SamplingLogprobs, j % 2 == 0 ? 1.0 : -0.7, (j + s) % 2, t.AnswerAppended));
            }
        }
        return rows;
    }

    /// <summary>A weight blob as Hugging Face–named float arrays, read by the managed reader.</summary>
    public IReadOnlyList<KeyValuePair<string, float[]>> Weights(byte[] blob)
    {
        var policy = new R2ecPolicyFactory(Options).CreatePolicy(Tokenizer, 0);
        policy.LoadWeights(blob);
        return policy.ExportTensors().Select(t => new KeyValuePair<string, float[]>(t.Key, t.Value.Span.ToArray())).ToList();
    }

    /// <summary>Largest absolute difference between two weight blobs.</summary>
    public double MaxDifference(byte[] a, byte[] b)
    {
        var (left, right) = (Weights(a), Weights(b));
        var max = 0.0;
        for (var i = 0; i < left.Count; i++)
            for (var j = 0; j < left[i].Value.Length; j++)
                max = Math.Max(max, Math.Abs(left[i].Value[j] - right[i].Value[j]));
        return max;
    }
}
