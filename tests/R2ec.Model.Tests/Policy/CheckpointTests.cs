using R2ec.Model.Policy;
using R2ec.Model.Tests.Support;
using R2ec.Model.Tests.Tokenization;
using R2ec.Model.Tokenization;
using R2ec.Tensors;
using R2ec.Tensors.Autograd;
using R2ec.Tensors.SafeTensors;

namespace R2ec.Model.Tests.Policy;

public class CheckpointTests
{
    private static readonly int[] Ids = [TinyTokenizer.ImStart, 104, 101, 108, TinyTokenizer.GThe, 33, TinyTokenizer.Answer];

    [TestCase(true, long.MaxValue)]
    [TestCase(false, long.MaxValue)]
    [TestCase(false, 4096L)]
    public void SaveThenLoadIsBitExact(bool tied, long maxShardBytes)
    {
        using var dir = new TestModels.TempDir();
        var policy = TestModels.Policy(seed: 11, tied: tied);
        policy.Save(dir.Path, maxShardBytes);
        var sharded = File.Exists(Path.Combine(dir.Path, HfCheckpoint.IndexFile));
        Assert.That(sharded, Is.EqualTo(maxShardBytes != long.MaxValue), "layout");
        Assert.That(File.Exists(Path.Combine(dir.Path, HfCheckpoint.WeightsFile)), Is.EqualTo(!sharded));

        var back = R2ecPolicy.Load(dir.Path);
        Assert.That(back.Config, Is.EqualTo(policy.Config));
        Assert.That(back.Parameters.Select(p => p.Name), Is.EqualTo(policy.Parameters.Select(p => p.Name)));
        for (var i = 0; i < policy.Parameters.Count; i++)
            Assert.That(Bits(back.Parameters[i].Value), Is.EqualTo(Bits(policy.Parameters[i].Value)), policy.Parameters[i].Name);
        Assert.That(TokenizerJson.Serialize(back.Tokenizer!), Is.EqualTo(TokenizerJson.Serialize(policy.Tokenizer!)));
    }

    [Test]
    public void SavingAnotherLayoutOverAnOldSaveLeavesOnlyTheNewOne()
    {
        using var dir = new TestModels.TempDir();
        var policy = TestModels.Policy(seed: 12, tied: false);
        policy.Save(dir.Path, maxShardBytes: 2048);
        var shards = Directory.GetFiles(dir.Path, "model-*-of-*.safetensors");
        Assert.That(shards, Has.Length.GreaterThan(2));
        policy.Save(dir.Path, maxShardBytes: 8192);
        Assert.That(Directory.GetFiles(dir.Path, "model-*-of-*.safetensors"), Has.Length.LessThan(shards.Length), "fewer, larger shards");
        policy.Save(dir.Path);
        Assert.That(Directory.GetFiles(dir.Path).Select(Path.GetFileName),
            Is.EquivalentTo(new[] { "config.json", "model.safetensors", "tokenizer.json" }));
        Assert.That(R2ecPolicy.Load(dir.Path).Parameters[0].Value.ToArray(), Is.EqualTo(policy.Parameters[0].Value.ToArray()));
    }

    [Test]
    public void WeightBlobRoundTripIsBitExactAndCloneIsIndependent()
    {
        var policy = TestModels.Policy(seed: 3, tied: false);
        var other = TestModels.Policy(seed: 4, tied: false);
        other.LoadWeights(policy.WeightsToBytes());
        for (var i = 0; i < policy.Parameters.Count; i++)
            Assert.That(Bits(other.Parameters[i].Value), Is.EqualTo(Bits(policy.Parameters[i].Value)), policy.Parameters[i].Name);

        var clone = policy.Clone();
        clone.Parameters[0].Value.Span[0] += 1f;
        Assert.That(policy.Parameters[0].Value.Span[0], Is.Not.EqualTo(clone.Parameters[0].Value.Span[0]));
    }

    [TestCase(true, false)]
    [TestCase(false, false)]
    [TestCase(false, true)]
    public void HuggingFaceLayoutWrittenByHandLoadsAndComputesTheQwen2Forward(bool tied, bool sharded)
    {
        var config = TestModels.Tiny(tied);
        var names = R2ecPolicy.Create(config, 0).Parameters.Select(p => (p.Name!, p.Value.Shape.ToArray())).ToList();
        var values = new Dictionary<string, double[]>();
        var rng = new KeyedRandom(2024);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        for (var n = 0; n < names.Count; n++)
        {
            var (name, shape) = names[n];
            var t = Tensor.Zeros(shape);
            var span = t.Span;
            var isNorm = name.EndsWith("norm.weight", StringComparison.Ordinal);
            for (var i = 0; i < span.Length; i++)
                span[i] = (float)(isNorm ? 1 + 0.2 * rng.Normal((ulong)(n * 10000 + i)) : 0.3 * rng.Normal((ulong)(n * 10000 + i)));
            values[name] = span.ToArray().Select(v => (double)v).ToArray();
            tensors.Add(new(name, t));
        }
        using var dir = new TestModels.TempDir();
        File.WriteAllBytes(Path.Combine(dir.Path, "config.json"), config.ToJson());
        if (!sharded)
        {
            SafeTensorsWriter.Write(Path.Combine(dir.Path, "model.safetensors"), tensors);
        }
        else
        {
            // Reverse order across three shards, as a real index need not follow the model's order.
            tensors.Reverse();
            var parts = tensors.Chunk((tensors.Count + 2) / 3).ToArray();
            var map = new List<string>();
            for (var s = 0; s < parts.Length; s++)
            {
                var file = $"model-{s + 1:D5}-of-{parts.Length:D5}.safetensors";
                SafeTensorsWriter.Write(Path.Combine(dir.Path, file), parts[s]);
                map.AddRange(parts[s].Select(t => $"\"{t.Key}\": \"{file}\""));
            }
            File.WriteAllText(Path.Combine(dir.Path, "model.safetensors.index.json"),
                "{\"metadata\": {\"total_size\": 0}, \"weight_map\": {" + string.Join(", ", map) + "}}");
        }

        var policy = R2ecPolicy.Load(dir.Path);
        Assert.That(policy.Tokenizer, Is.Null);
        float[] logits;
        using (var tape = new Tape(recording: false))
            logits = policy.Logits(tape, policy.Hidden(tape, Ids, 1, Ids.Length)).Value.ToArray();
        var expected = Qwen2Reference.Logits(config, name => values[name], Ids);
        var maxDiff = logits.Select((v, i) => Math.Abs(v - expected[i])).Max();
        Assert.That(maxDiff, Is.LessThan(1e-4 * Math.Max(1, expected.Max(Math.Abs))), "logits against the float64 Hugging Face forward");

        // Saving gives back the hand-written HF tensors exactly (rotary rows restored to HF order).
        var exported = policy.ExportTensors().ToDictionary(t => t.Key, t => t.Value.ToArray());
        foreach (var (name, v) in values)
            Assert.That(exported[name].Select(x => (double)x), Is.EqualTo(v), name);
    }

    [Test]
    public void Bfloat16CheckpointLoadsWidened()
    {
        // Real Qwen2.5 checkpoints are stored in bfloat16: write one by hand (header JSON, then the top 16 bits of each float).
        var config = TestModels.Tiny();
        var source = R2ecPolicy.Create(config, 13).ExportTensors();
        using var dir = new TestModels.TempDir();
        File.WriteAllBytes(Path.Combine(dir.Path, "config.json"), config.ToJson());
        var header = new List<string>();
        var data = new List<byte>();
        foreach (var (name, t) in source)
        {
            header.Add($"\"{name}\":{{\"dtype\":\"BF16\",\"shape\":[{t.ShapeText()}],\"data_offsets\":[{data.Count},{data.Count + 2 * t.Length}]}}");
            foreach (var v in t.Span)
                data.AddRange(BitConverter.GetBytes((ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)));
        }
        var json = System.Text.Encoding.UTF8.GetBytes("{" + string.Join(",", header) + "}");
        using (var file = File.Create(Path.Combine(dir.Path, "model.safetensors")))
        {
            file.Write(BitConverter.GetBytes((long)json.Length));
            file.Write(json);
            file.Write(data.ToArray());
        }
        var loaded = R2ecPolicy.Load(dir.Path).ExportTensors().ToDictionary(t => t.Key, t => t.Value.ToArray());
        foreach (var (name, t) in source)
        {
            var truncated = t.ToArray().Select(v => BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(v) & 0xFFFF0000u));
            Assert.That(loaded[name], Is.EqualTo(truncated), name);
        }
    }

    [Test]
    public void MissingOrMisShapedTensorIsNamed()
    {
        using var dir = new TestModels.TempDir();
        var config = TestModels.Tiny(tied: false);
        File.WriteAllBytes(Path.Combine(dir.Path, "config.json"), config.ToJson());
        var tensors = R2ecPolicy.Create(config, 1).ExportTensors().Where(t => t.Key != "lm_head.weight").ToList();
        SafeTensorsWriter.Write(Path.Combine(dir.Path, "model.safetensors"), tensors);
        var e = Assert.Throws<SafeTensorsException>(() => R2ecPolicy.Load(dir.Path));
        Assert.That(e!.Message, Does.Contain("model.safetensors").And.Contain("'lm_head.weight' is missing"));

        tensors[0] = new(tensors[0].Key, Tensor.Zeros(3, 16));
        tensors.Add(new("lm_head.weight", Tensor.Zeros(265, 16)));
        SafeTensorsWriter.Write(Path.Combine(dir.Path, "model.safetensors"), tensors);
        e = Assert.Throws<SafeTensorsException>(() => R2ecPolicy.Load(dir.Path));
        Assert.That(e!.Message, Does.Contain("'model.embed_tokens.weight' has shape [3, 16], the config needs [265, 16]"));
    }

    private static int[] Bits(Tensor t) => t.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
}
