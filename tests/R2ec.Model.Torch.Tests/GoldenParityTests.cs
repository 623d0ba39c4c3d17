using System.Text.Json;
using R2ec.Model.Tokenization;
using R2ec.Tensors.Autograd;
using R2ec.Training.Compute;
using R2ec.Training.Learning;
using R2ec.Training.Torch;
using static TorchSharp.torch;

namespace R2ec.Model.Torch.Tests;

/// <summary>
/// Golden parity: numbers the managed engine recorded for the tiny job's fixed checkpoint (seeded initial weights), kept
/// in <c>Golden/managed-tiny.json</c>, which both backends must reproduce within stated tolerances. The fixture catches
/// a change of either backend that the live parity tests would miss because both moved together (the shared code).
/// Regenerate after an intended change of the managed engine with
/// <c>R2EC_RECORD_GOLDEN=1 dotnet test tests/R2ec.Model.Torch.Tests -c Release --filter Name=Record_the_managed_fixture</c>.
/// </summary>
public sealed class GoldenParityTests
{
    /// <summary>Every 16th value of each weight tensor is kept after the learner step: enough to see any drift, small enough to commit.</summary>
    private const int WeightStride = 16;
    private const double LearningRate = 1e-3;
    private TinyJobFixture _job = null!;

    [OneTimeSetUp]
    public void Prepare() => _job = new TinyJobFixture();

    /// <summary>What the fixture holds.</summary>
    public sealed record Golden(
        int[] Prompt, float[] PromptLogits, float[] UserEmbedding,
        int[][] GroupTokens, float[][] GroupLogProbs,
        double TokenLoss, double ItemLoss, double GradNorm,
        Dictionary<string, float[]> WeightsAfterStep);

    private static string FixturePath
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "R2ec.Distributed.sln")))
                    return Path.Combine(dir.FullName, "tests", "R2ec.Model.Torch.Tests", "Golden", "managed-tiny.json");
            }
            throw new DirectoryNotFoundException($"no R2ec.Distributed.sln above {AppContext.BaseDirectory}");
        }
    }

    [Test]
    public void Record_the_managed_fixture()
    {
        if (Environment.GetEnvironmentVariable("R2EC_RECORD_GOLDEN") != "1")
            Assert.Ignore("records only with R2EC_RECORD_GOLDEN=1");
        var golden = Compute(torch: false);
        Directory.CreateDirectory(Path.GetDirectoryName(FixturePath)!);
        File.WriteAllText(FixturePath, JsonSerializer.Serialize(golden, new JsonSerializerOptions { WriteIndented = false }) + "\n");
        Assert.That(File.Exists(FixturePath));
    }

    [Test]
    public void The_managed_engine_reproduces_its_fixture() => Compare(Compute(torch: false), tolerance: 1e-5);

    [Test]
    public void The_torch_backend_reproduces_the_managed_fixture() => Compare(Compute(torch: true), tolerance: 1e-4);

    /// <summary>
    /// Checks <paramref name="actual"/> against the fixture. Tolerances (absolute unless said): logits 20×, user embedding,
    /// log-probs, losses and weights 1×, gradient norm 1× relative, of <paramref name="tolerance"/>; tokens exactly.
    /// </summary>
    private static void Compare(Golden actual, double tolerance)
    {
        Assert.That(File.Exists(FixturePath), $"{FixturePath} is missing: record it (see {nameof(GoldenParityTests)})");
        var expected = JsonSerializer.Deserialize<Golden>(File.ReadAllText(FixturePath))!;
        Assert.That(actual.Prompt, Is.EqualTo(expected.Prompt), "the prompt's token ids (tokenizer and prompt format)");
        var report = new List<string>();
        Assert.Multiple(() =>
        {
            Within("logits", actual.PromptLogits, expected.PromptLogits, 20 * tolerance, report);
            Within("user embedding", actual.UserEmbedding, expected.UserEmbedding, tolerance, report);
            Assert.That(actual.GroupTokens, Is.EqualTo(expected.GroupTokens), "sampled group under the fixed key");
            for (var j = 0; j < expected.GroupLogProbs.Length; j++)
                Within($"log-probs of sample {j}", actual.GroupLogProbs[j], expected.GroupLogProbs[j], tolerance, report);
            Assert.That(actual.TokenLoss, Is.EqualTo(expected.TokenLoss).Within(tolerance), "token loss");
            Assert.That(actual.ItemLoss, Is.EqualTo(expected.ItemLoss).Within(tolerance), "item loss");
            Assert.That(actual.GradNorm, Is.EqualTo(expected.GradNorm).Within(tolerance * expected.GradNorm), "gradient norm");
            Assert.That(actual.WeightsAfterStep.Keys, Is.EquivalentTo(expected.WeightsAfterStep.Keys));
            foreach (var (name, values) in expected.WeightsAfterStep)
                Within($"weights {name} after the step", actual.WeightsAfterStep[name], values, tolerance, report);
        });
        TestContext.Out.WriteLine(string.Join(Environment.NewLine, report));
    }

    private static void Within(string what, float[] actual, float[] expected, double tolerance, List<string> report)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        var max = 0.0;
        for (var i = 0; i < expected.Length; i++)
            max = Math.Max(max, Math.Abs(actual[i] - expected[i]));
        report.Add($"{what}: max |Δ| {max:E2} (tolerance {tolerance:E0})");
        Assert.That(max, Is.LessThanOrEqualTo(tolerance), what);
    }

    /// <summary>The fixture's numbers on one backend, each from the seeded initial weights.</summary>
    private Golden Compute(bool torch)
    {
        var sample = _job.Data.Dataset.Train[0];
        var prompts = new PolicyPrompts(TokenizerJson.Parse(_job.Tokenizer), _job.Data, _job.Options);
        var prompt = prompts.User(sample);
        int[] withAnswer = [.. prompt, prompts.Answer];
        var (logits, user) = torch ? TorchHeads(prompt, withAnswer) : ManagedHeads(prompt, withAnswer);

        using var policy = torch ? _job.Torch() : _job.Managed();
        var group = policy.SampleGroup(sample, _job.Key(0), _job.Items(policy));
        var stats = RecPOUpdate.Learn(policy, _job.Rows(policy), _job.Options, LearningRate);
        var weights = _job.Weights(policy.SaveWeights())
            .ToDictionary(w => w.Key, w => w.Value.Where((_, i) => i % WeightStride == 0).ToArray());
        return new Golden(prompt, logits, user,
            group.Trajectories.Select(t => t.Tokens).ToArray(), group.Trajectories.Select(t => t.SamplingLogprobs).ToArray(),
            stats[0].TokenLoss, stats[0].ItemLoss, stats.First(s => s.GradNorm > 0).GradNorm, weights);
    }

    private (float[] Logits, float[] User) ManagedHeads(int[] prompt, int[] withAnswer)
    {
        var policy = _job.InitialPolicy();
        using var tape = new Tape(recording: false);
        var hidden = policy.Hidden(tape, prompt, 1, prompt.Length);
        var d = policy.Config.HiddenSize;
        var last = Tensors.Ops.Embedding.Lookup(tape, hidden, [prompt.Length - 1]);
        var logits = policy.Logits(tape, last).Value.Span.ToArray();
        var user = policy.Hidden(tape, withAnswer, 1, withAnswer.Length).Value.Span.Slice((withAnswer.Length - 1) * d, d).ToArray();
        return (logits, user);
    }

    private (float[] Logits, float[] User) TorchHeads(int[] prompt, int[] withAnswer)
    {
        using var model = TorchQwen2Policy.FromManaged(_job.InitialPolicy(), TorchPolicyFactory.DeviceOf(_job.Options.Engine));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor Ids(int[] ids) => tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length], ScalarType.Int64);
        var logits = model.Logits(model.Hidden(Ids(prompt))[0, ^1]).data<float>().ToArray();
        var user = model.Hidden(Ids(withAnswer))[0, ^1].contiguous().data<float>().ToArray();
        return (logits, user);
    }
}
