using R2ec.Model.Policy;
using R2ec.Model.Recommendation;
using R2ec.Model.Torch;
using R2ec.Tensors.Autograd;
using TorchSharp;
using static TorchSharp.torch;

namespace R2ec.Model.Torch.Tests;

/// <summary>
/// The torch backend against the managed engine on one fixed tiny checkpoint (same weights, copied across): logits,
/// the user embedding at the last token, item embeddings of a ragged batch, and KV-cached decoding against the full forward.
/// Tolerances: both run float32 with different summation orders, so agreement is to ~1e-5 relative; the bounds below
/// leave a factor of ~10 over what was measured (printed by each test).
/// </summary>
public sealed class TorchPolicyParityTests
{
    private const float LogitTolerance = 2e-4f;
    private const float EmbeddingTolerance = 2e-5f;

    private static Qwen2Config Tiny(bool tied) => new()
    {
        VocabSize = 97, HiddenSize = 32, IntermediateSize = 48, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 64, TieWordEmbeddings = tied, PadTokenId = 0, EosTokenId = 1,
    };

    private static int[] Prompt(int length, int salt) => Enumerable.Range(0, length).Select(i => (i * 37 + salt * 11 + 5) % 97).ToArray();

    private static float[] ManagedLogits(R2ecPolicy policy, int[] ids, out float[] hidden)
    {
        using var tape = new Tape(recording: false);
        var h = policy.Hidden(tape, ids, 1, ids.Length);
        hidden = h.Value.Span.ToArray();
        return policy.Logits(tape, h).Value.Span.ToArray();
    }

    private static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.That(a.Length, Is.EqualTo(b.Length), "lengths");
        var max = 0f;
        for (var i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    [OneTimeSetUp]
    public void LoadBackend() => TorchRuntime.Load(threads: 2);

    [TestCase(true)]
    [TestCase(false)]
    public void Logits_and_the_user_embedding_match_the_managed_engine(bool tied)
    {
        var managed = R2ecPolicy.Create(Tiny(tied), seed: 11);
        using var model = TorchQwen2Policy.FromManaged(managed);
        var ids = Prompt(23, 1);
        var expected = ManagedLogits(managed, ids, out var expectedHidden);
        using var _ = NewDisposeScope();
        using var noGrad = no_grad();
        var hidden = model.Hidden(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]));
        var logits = model.Logits(hidden).contiguous().data<float>().ToArray();
        var d = managed.Config.HiddenSize;
        var user = hidden[0, ids.Length - 1].contiguous().data<float>().ToArray();
        var logitDiff = MaxAbsDiff(logits, expected);
        var userDiff = MaxAbsDiff(user, expectedHidden.AsSpan((ids.Length - 1) * d, d));
        TestContext.Out.WriteLine($"tied={tied}: max |Δlogit| {logitDiff:E2}, max |Δuser embedding| {userDiff:E2}");
        Assert.Multiple(() =>
        {
            Assert.That(logitDiff, Is.LessThan(LogitTolerance));
            Assert.That(userDiff, Is.LessThan(EmbeddingTolerance));
        });
    }

    [Test]
    public void A_bfloat16_policy_stays_within_bfloat16_rounding_of_the_float32_logits()
    {
        var managed = R2ecPolicy.Create(Tiny(tied: true), seed: 15);
        using var f32 = TorchQwen2Policy.FromManaged(managed);
        using var bf16 = TorchQwen2Policy.FromManaged(managed, dtype: ScalarType.BFloat16);
        var ids = Prompt(17, 4);
        using var _ = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);
        var reference = f32.Logits(f32.Hidden(input)).contiguous().data<float>().ToArray();
        var low = bf16.Logits(bf16.Hidden(input));
        Assert.That(low.dtype, Is.EqualTo(ScalarType.BFloat16));
        var rounded = low.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        // bfloat16 keeps 8 significant bits (relative step 2^-8 ≈ 0.4 %); over two layers errors grow to a few steps.
        var scale = reference.Max(Math.Abs);
        var diff = MaxAbsDiff(rounded, reference);
        TestContext.Out.WriteLine($"bfloat16: max |Δlogit| {diff:E2} of max |logit| {scale:E2}");
        Assert.That(diff, Is.LessThan(0.05f * scale).And.GreaterThan(0f));
    }

    [Test]
    public void Item_embeddings_of_a_ragged_batch_match_the_managed_item_encoder()
    {
        var managed = R2ecPolicy.Create(Tiny(tied: true), seed: 12);
        using var model = TorchQwen2Policy.FromManaged(managed);
        var prompts = Enumerable.Range(0, 7).Select(i => Prompt(5 + 3 * i, i)).ToList();
        var expected = new float[prompts.Count * managed.Config.HiddenSize];
        new ItemEncoder(managed).EncodeInto(prompts, batchSize: 3, expected);
        var actual = model.EncodePrompts(prompts, batchSize: 3);
        var diff = MaxAbsDiff(actual, expected);
        TestContext.Out.WriteLine($"max |Δitem embedding| {diff:E2}");
        Assert.That(diff, Is.LessThan(EmbeddingTolerance));
    }

    [Test]
    public void Kv_cached_decoding_with_a_shared_prefill_equals_the_full_forward()
    {
        var managed = R2ecPolicy.Create(Tiny(tied: true), seed: 13);
        using var model = TorchQwen2Policy.FromManaged(managed);
        using var noGrad = no_grad();
        using var _ = NewDisposeScope();
        var prompt = Prompt(9, 3);
        const int group = 3;
        // Each sample continues the shared prompt with its own tokens: two single-token steps, then a chunk of three.
        var continuations = Enumerable.Range(0, group).Select(g => Prompt(5, 20 + g)).ToArray();
        using var prefix = new TorchKvCache(managed.Config.NumHiddenLayers);
        model.Hidden(tensor(prompt.Select(i => (long)i).ToArray(), [1, prompt.Length]), prefix);
        using var cache = prefix.Repeat(group);
        Tensor Step(int from, int count) =>
            model.Hidden(tensor(continuations.SelectMany(c => c.Skip(from).Take(count)).Select(i => (long)i).ToArray(), [group, count]), cache);
        Step(0, 1);
        Step(1, 1);
        var last = Step(2, 3);
        var maxDiff = 0f;
        for (var g = 0; g < group; g++)
        {
            var full = prompt.Concat(continuations[g]).Select(i => (long)i).ToArray();
            var expected = model.Hidden(tensor(full, [1, full.Length]))[0, ^3..].contiguous().data<float>().ToArray();
            maxDiff = Math.Max(maxDiff, MaxAbsDiff(last[g].contiguous().data<float>().ToArray(), expected));
        }
        TestContext.Out.WriteLine($"max |Δhidden| KV cache vs full forward: {maxDiff:E2}");
        Assert.Multiple(() =>
        {
            Assert.That(cache.Length, Is.EqualTo(prompt.Length + 5));
            Assert.That(maxDiff, Is.LessThan(EmbeddingTolerance));
        });
    }

    [Test]
    public void Batched_decoding_over_slotted_caches_equals_the_full_forward()
    {
        var managed = R2ecPolicy.Create(Tiny(tied: true), seed: 15);
        using var model = TorchQwen2Policy.FromManaged(managed);
        using var noGrad = no_grad();
        using var _ = NewDisposeScope();
        // Two prompts of different lengths (two groups), prefilled once each; 2 + 3 rows continue them. The small
        // capacity makes the cache grow mid-decode.
        int[][] prompts = [Prompt(7, 4), Prompt(3, 5)];
        int[] copies = [2, 3];
        var prefixes = prompts.Select(p =>
        {
            var prefix = new TorchKvCache(managed.Config.NumHiddenLayers);
            model.Hidden(tensor(p.Select(i => (long)i).ToArray(), [1, p.Length]), prefix);
            return prefix;
        }).ToList();
        using var cache = TorchSlotCache.FromPrefixes(prefixes, copies, capacity: 9);
        prefixes.ForEach(p => p.Dispose());
        var sequences = Enumerable.Range(0, 5).Select(r => prompts[r < 2 ? 0 : 1].ToList()).ToArray();
        var slots = Enumerable.Range(0, 5).ToList();
        var maxDiff = 0f;
        var checkedStates = 0;
        // Ragged steps: every row one token, then rows appending one or two tokens in one padded step, then a step after
        // slot 1 was dropped (the cache compacts), then one more after slot 3 was dropped.
        int[][] steps = [[1, 1, 1, 1, 1], [2, 1, 2, 1, 1], [1, 2, 1, 1], [1, 1, 2]];
        for (var s = 0; s < steps.Length; s++)
        {
            if (s == 2)
                slots.Remove(1);
            if (s == 3)
                slots.Remove(3);
            var counts = steps[s];
            var width = counts.Max();
            cache.Keep(slots.ToArray());
            var padded = new long[slots.Count * width];
            for (var i = 0; i < slots.Count; i++)
            {
                for (var t = 0; t < counts[i]; t++)
                {
                    var token = (slots[i] * 13 + s * 7 + t * 3 + 1) % 97;
                    sequences[slots[i]].Add(token);
                    padded[i * width + t] = token;
                }
            }
            var hidden = model.Hidden(tensor(padded, [slots.Count, width]), cache, counts);
            for (var i = 0; i < slots.Count; i++)
            {
                var full = sequences[slots[i]].Select(x => (long)x).ToArray();
                var expected = model.Hidden(tensor(full, [1, full.Length]))[0, ^counts[i]..].contiguous().data<float>().ToArray();
                var actual = hidden[i, ..counts[i]].contiguous().data<float>().ToArray();
                maxDiff = Math.Max(maxDiff, MaxAbsDiff(actual, expected));
                Assert.That(cache.LengthOf(i), Is.EqualTo(full.Length), $"step {s} slot {slots[i]}: length");
                checkedStates += counts[i];
            }
        }
        TestContext.Out.WriteLine($"max |Δhidden| batched slot cache vs full forward over {checkedStates} states: {maxDiff:E2}");
        Assert.Multiple(() =>
        {
            Assert.That(cache.Slots, Is.EqualTo(new[] { 0, 2, 4 }));
            Assert.That(cache.Capacity, Is.GreaterThan(9), "the cache grew past its first capacity");
            Assert.That(maxDiff, Is.LessThan(EmbeddingTolerance));
            Assert.Throws<ArgumentException>(() => cache.Keep([0, 1]), "a dropped slot cannot come back");
        });
    }

    [Test]
    public void Weights_round_trip_through_the_managed_policy_bit_exactly()
    {
        var managed = R2ecPolicy.Create(Tiny(tied: false), seed: 14);
        using var model = TorchQwen2Policy.FromManaged(managed);
        var back = model.ToManaged().ExportTensors();
        var original = managed.ExportTensors();
        Assert.That(back.Select(t => t.Key), Is.EqualTo(original.Select(t => t.Key)));
        for (var i = 0; i < original.Count; i++)
            Assert.That(back[i].Value.Span.ToArray(), Is.EqualTo(original[i].Value.Span.ToArray()), original[i].Key);
    }
}
