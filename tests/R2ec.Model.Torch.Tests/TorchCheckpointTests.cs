using System.Text.Json;
using R2ec.Model.Policy;
using R2ec.Model.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace R2ec.Model.Torch.Tests;

/// <summary>
/// Hugging Face checkpoints across the two backends: a directory written by one loads into the other, single file or
/// sharded, and weights stored as F16 or BF16 (rounded by libtorch) load widened to exactly libtorch's own values.
/// </summary>
public sealed class TorchCheckpointTests
{
    [OneTimeSetUp]
    public void LoadBackend() => TorchRuntime.Load(threads: 2);

    private static Qwen2Config Tiny(bool tied) => new()
    {
        VocabSize = 97, HiddenSize = 32, IntermediateSize = 48, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 64, TieWordEmbeddings = tied, PadTokenId = 0, EosTokenId = 1,
    };

    private static void AssertSameWeights(IReadOnlyList<KeyValuePair<string, R2ec.Tensors.Tensor>> actual, IReadOnlyList<KeyValuePair<string, R2ec.Tensors.Tensor>> expected)
    {
        Assert.That(actual.Select(t => t.Key), Is.EquivalentTo(expected.Select(t => t.Key)));
        var byName = actual.ToDictionary(t => t.Key, t => t.Value);
        foreach (var (name, tensor) in expected)
            Assert.That(byName[name].Span.ToArray(), Is.EqualTo(tensor.Span.ToArray()), name);
    }

    [TestCase(true, long.MaxValue)]
    [TestCase(false, 4096L)]
    public void A_managed_checkpoint_loads_into_torch_and_a_torch_one_into_managed(bool tied, long maxShardBytes)
    {
        var root = Directory.CreateTempSubdirectory("r2ec-torch-ckpt-").FullName;
        try
        {
            var managed = R2ecPolicy.Create(Tiny(tied), seed: 31);
            var managedDir = Path.Combine(root, "managed");
            managed.Save(managedDir, maxShardBytes);
            Assert.That(File.Exists(Path.Combine(managedDir, HfCheckpoint.IndexFile)), Is.EqualTo(maxShardBytes != long.MaxValue), "sharded");
            using var torchModel = TorchQwen2Policy.Load(managedDir);
            AssertSameWeights(torchModel.ExportTensors(), managed.ExportTensors());

            // Change the weights on torch, save through the shared writer, load into the managed engine.
            using (no_grad())
            {
                foreach (var p in torchModel.parameters())
                    p.mul_(1.5);
            }
            var torchDir = Path.Combine(root, "torch");
            torchModel.ToManaged().Save(torchDir, maxShardBytes);
            AssertSameWeights(R2ecPolicy.Load(torchDir).ExportTensors(), torchModel.ExportTensors());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestCase(ScalarType.BFloat16, "BF16")]
    [TestCase(ScalarType.Float16, "F16")]
    public void Half_precision_weights_rounded_by_libtorch_load_into_both_backends_exactly(ScalarType type, string dtype)
    {
        var root = Directory.CreateTempSubdirectory("r2ec-torch-half-").FullName;
        try
        {
            var managed = R2ecPolicy.Create(Tiny(tied: true), seed: 32);
            using var source = TorchQwen2Policy.FromManaged(managed);
            managed.Config.Save(Path.Combine(root, HfCheckpoint.ConfigFile));
            var entries = new List<(string Name, long[] Shape, byte[] Bytes)>();
            var expected = new Dictionary<string, float[]>();
            foreach (var (name, parameter) in source.named_parameters())
            {
                using var half = parameter.detach().to(type).contiguous();
                entries.Add((TorchQwen2Policy.HfName(name), half.shape, half.bytes.ToArray()));
                using var widened = half.to(ScalarType.Float32);
                expected[TorchQwen2Policy.HfName(name)] = widened.data<float>().ToArray();
            }
            WriteSafeTensors(Path.Combine(root, HfCheckpoint.WeightsFile), dtype, entries);

            using var torchModel = TorchQwen2Policy.Load(root);
            var managedLoaded = R2ecPolicy.Load(root);
            foreach (var (name, tensor) in torchModel.ExportTensors())
                Assert.That(tensor.Span.ToArray(), Is.EqualTo(expected[name]), $"torch {name}");
            foreach (var (name, tensor) in managedLoaded.ExportTensors())
                Assert.That(tensor.Span.ToArray(), Is.EqualTo(expected[name]), $"managed {name}");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A safetensors file of raw little-endian tensors of one dtype: 8-byte header length, JSON header, data.</summary>
    private static void WriteSafeTensors(string path, string dtype, IReadOnlyList<(string Name, long[] Shape, byte[] Bytes)> entries)
    {
        var header = new Dictionary<string, object>();
        long offset = 0;
        foreach (var (name, shape, bytes) in entries)
        {
            header[name] = new { dtype, shape, data_offsets = new[] { offset, offset + bytes.Length } };
            offset += bytes.Length;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        using var file = File.Create(path);
        file.Write(BitConverter.GetBytes((ulong)json.Length));
        file.Write(json);
        foreach (var entry in entries)
            file.Write(entry.Bytes);
    }
}
