using R2ec.Model.Policy;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using R2ec.Tensors.SafeTensors;
using ManagedTensor = R2ec.Tensors.Tensor;

namespace R2ec.Model.Torch;

/// <summary>
/// The R2ec dual-head policy on TorchSharp: the Qwen2 decoder (embedding, RMSNorm, RoPE, grouped-query attention
/// through <c>scaled_dot_product_attention</c>, SwiGLU), the LM head (tied or untied) and the recommendation head (the
/// post-final-norm hidden state at a sequence's last token). Parameters carry the Hugging Face names and layout, so a
/// checkpoint moves between this and the managed <see cref="R2ecPolicy"/> through <see cref="FromManaged"/> and
/// <see cref="ToManaged"/>; reading and writing files stays with the managed <see cref="R2ecPolicy.Load"/> and
/// <see cref="R2ecPolicy.Save"/>, shared by both backends.
/// </summary>
public sealed class TorchQwen2Policy : nn.Module
{
    private readonly Parameter embed_tokens;
    private readonly ModuleList<TorchDecoderLayer> layers;
    private readonly Parameter norm;
    private readonly Parameter? lm_head;
    private readonly Tensor _invFreq;

    private TorchQwen2Policy(Qwen2Config config, Device device, ScalarType dtype) : base("R2ecQwen2")
    {
        config.Validate();
        Config = config;
        Device = device;
        DType = dtype;
        int d = config.HiddenSize, kv = config.NumKeyValueHeads * config.HeadDim;
        embed_tokens = Empty(config.VocabSize, d);
        layers = new ModuleList<TorchDecoderLayer>(Enumerable.Range(0, config.NumHiddenLayers)
            .Select(_ => new TorchDecoderLayer(config, d, kv, device, dtype)).ToArray());
        norm = Empty(d);
        lm_head = config.TieWordEmbeddings ? null : Empty(config.VocabSize, d);
        // Hugging Face's inverse frequencies: θ^(−2i/head_dim), i = 0 … head_dim/2 − 1, in float64 then float32.
        _invFreq = pow(config.RopeTheta, -arange(0, config.HeadDim, 2, ScalarType.Float64, device) / config.HeadDim).to(ScalarType.Float32);
        RegisterComponents();
        Parameter Empty(params long[] shape) => new(zeros(shape, dtype, device));
    }

    /// <summary>The shape.</summary>
    public Qwen2Config Config { get; }

    /// <summary>Where the parameters live.</summary>
    public Device Device { get; }

    /// <summary>Parameter and activation type (float32 or bfloat16).</summary>
    public ScalarType DType { get; }

    /// <summary>The LM head's weight [vocab, d]: the embedding when tied.</summary>
    public Tensor OutputProjection => lm_head ?? embed_tokens;

    /// <summary>A policy with the weights of the managed <paramref name="policy"/> (Hugging Face layout, copied).</summary>
    /// <remarks>The weights are copied one parameter at a time, so building holds the two models and one parameter's
    /// staging copy, not a third copy of the model.</remarks>
    public static TorchQwen2Policy FromManaged(R2ecPolicy policy, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        var model = new TorchQwen2Policy(policy.Config, device ?? CPU, dtype);
        model.LoadTensors(policy.EnumerateTensors());
        return model;
    }

    /// <summary>Loads a Hugging Face model directory (config.json + safetensors, single or sharded; f32, f16 or bf16) through the shared reader.</summary>
    public static TorchQwen2Policy Load(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        FromManaged(R2ecPolicy.Load(directory), device, dtype);

    /// <summary>
    /// Copies Hugging Face–named tensors into the parameters, one at a time as <paramref name="tensors"/> is enumerated;
    /// every parameter must be given with its shape (tensors the policy has no parameter for are ignored).
    /// </summary>
    /// <exception cref="ArgumentException">A parameter is missing or has another shape.</exception>
    public void LoadTensors(IEnumerable<KeyValuePair<string, ManagedTensor>> tensors)
    {
        var parameters = named_parameters().ToDictionary(p => HfName(p.name), p => p.parameter);
        var loaded = new HashSet<string>();
        using var _ = no_grad();
        foreach (var (name, source) in tensors)
        {
            if (!parameters.TryGetValue(name, out var parameter))
                continue;
            var shape = source.Shape.ToArray().Select(s => (long)s).ToArray();
            if (!shape.SequenceEqual(parameter.shape))
                throw new ArgumentException($"tensor '{name}' has shape [{string.Join(", ", shape)}], the torch policy expects [{string.Join(", ", parameter.shape)}]", nameof(tensors));
            if (parameter.device_type == DeviceType.CPU && parameter.dtype == ScalarType.Float32 && parameter.is_contiguous())
            {
                // Straight into the parameter's storage: no staging tensor, so building a large model leaves no garbage.
                parameter.data<float>().CopyFrom(source.Span);
            }
            else
            {
                using var staging = tensor(source.Span.ToArray(), shape);
                parameter.copy_(staging);
            }
            loaded.Add(name);
        }
        if (parameters.Keys.FirstOrDefault(n => !loaded.Contains(n)) is { } missing)
            throw new ArgumentException($"no tensor named '{missing}' for the torch policy", nameof(tensors));
    }

    /// <summary>
    /// Replaces the weights with those of a weight-store blob (a <c>model.safetensors</c> file's bytes, Hugging Face names
    /// and layout; f32, f16 or bf16), one tensor at a time, without a managed model in between.
    /// </summary>
    /// <exception cref="SafeTensorsException">The blob lacks a parameter or has another shape (the message names the tensor).</exception>
    public void LoadSafeTensors(ReadOnlySpan<byte> blob)
    {
        var temp = Path.Combine(Path.GetTempPath(), $"r2ec-torch-weights-{Guid.NewGuid():N}.safetensors");
        try
        {
            using (var stream = File.Create(temp))
                stream.Write(blob);
            using var file = SafeTensorsFile.Open(temp);
            LoadTensors(Read(file));
        }
        finally
        {
            File.Delete(temp);
        }

        IEnumerable<KeyValuePair<string, ManagedTensor>> Read(SafeTensorsFile file)
        {
            foreach (var (torchName, parameter) in named_parameters())
            {
                var name = HfName(torchName);
                if (!file.Contains(name))
                    throw new SafeTensorsException("weight blob", $"tensor '{name}' is missing");
                var expected = parameter.shape.Select(s => (int)s).ToArray();
                if (!file.Info(name).Shape.AsSpan().SequenceEqual(expected))
                    throw new SafeTensorsException("weight blob", $"tensor '{name}' has shape [{string.Join(", ", file.Info(name).Shape)}], the policy needs [{string.Join(", ", expected)}]");
                yield return new(name, file.ReadF32(name));
            }
        }
    }

    /// <summary>The weights as Hugging Face–named float32 tensors on the CPU, in parameter order.</summary>
    public IReadOnlyList<KeyValuePair<string, ManagedTensor>> ExportTensors()
    {
        var list = new List<KeyValuePair<string, ManagedTensor>>();
        foreach (var (torchName, parameter) in named_parameters())
        {
            var name = HfName(torchName);
            using var cpu = parameter.detach().to(ScalarType.Float32, CPU).contiguous();
            var shape = cpu.shape.Select(s => (int)s).ToArray();
            var t = ManagedTensor.Zeros(shape);
            cpu.data<float>().CopyTo(t.Span);
            list.Add(new(name, t));
        }
        return list;
    }

    /// <summary>A managed policy with these weights (its tokenizer is <paramref name="tokenizer"/>), e.g. to save a checkpoint.</summary>
    public R2ecPolicy ToManaged(Tokenization.BpeTokenizer? tokenizer = null)
    {
        var policy = R2ecPolicy.Create(Config, 0, tokenizer);
        policy.LoadWeights(R2ecPolicy.WeightsToBytes(ExportTensors()));
        return policy;
    }

    /// <summary>
    /// The Hugging Face name of a parameter: TorchSharp names registered parameters by their field path
    /// (<c>layers.0.input_layernorm</c>), Hugging Face Qwen2 puts the decoder under <c>model.</c> and every norm and
    /// embedding under <c>.weight</c>.
    /// </summary>
    internal static string HfName(string torchName)
    {
        var name = torchName.EndsWith(".weight", StringComparison.Ordinal) || torchName.EndsWith(".bias", StringComparison.Ordinal)
            ? torchName
            : torchName + ".weight";
        return name.StartsWith("lm_head", StringComparison.Ordinal) ? name : "model." + name;
    }

    /// <summary>
    /// Post-final-norm hidden states [batch, seq, d] of <paramref name="ids"/> [batch, seq] at positions
    /// <c>cache.Length … cache.Length + seq − 1</c>; the keys and values of these positions are appended to
    /// <paramref name="cache"/> when one is given (causal, so right padding never changes the states before it).
    /// </summary>
    public Tensor Hidden(Tensor ids, TorchKvCache? cache = null)
    {
        var past = cache?.Length ?? 0;
        using var positions = arange(past, past + ids.shape[1], ScalarType.Float32, Device);
        var hidden = Hidden(ids, positions, cache);
        if (cache is not null)
            cache.Length = past + ids.shape[1];
        return hidden;
    }

    /// <summary>
    /// Post-final-norm hidden states [rows, width, d] of <paramref name="ids"/> [rows, width], one row per sequence of
    /// <paramref name="cache"/> (in its <see cref="TorchSlotCache.Slots"/> order): row r appends its first
    /// <c>counts[r]</c> tokens at its own length; the rest of a row is padding whose states are not meaningful.
    /// </summary>
    public Tensor Hidden(Tensor ids, TorchSlotCache cache, ReadOnlySpan<int> counts)
    {
        using var positions = cache.Begin(counts, ids.shape[1], Device);
        var hidden = Hidden(ids, positions, cache);
        cache.End(counts);
        return hidden;
    }

    // positions: [seq] (shared by every row) or [batch, seq] (one per row), as float32.
    private Tensor Hidden(Tensor ids, Tensor positions, IAttentionCache? cache)
    {
        var seq = ids.shape[1];
        using var freqs = positions.unsqueeze(-1) * _invFreq;
        using var emb = cat([freqs, freqs], -1);
        // [seq, head dim] broadcasts over [batch, heads, seq, head dim]; per-row positions need the heads axis inserted.
        using var cos = (positions.dim() == 1 ? emb.cos() : emb.cos().unsqueeze(1)).to(DType);
        using var sin = (positions.dim() == 1 ? emb.sin() : emb.sin().unsqueeze(1)).to(DType);
        var x = embed_tokens.index_select(0, ids.reshape(-1)).view(ids.shape[0], seq, Config.HiddenSize);
        for (var l = 0; l < layers.Count; l++)
        {
            var next = layers[l].Forward(x, cos, sin, cache, l);
            x.Dispose();
            x = next;
        }
        using (x)
            return TorchDecoderLayer.RmsNorm(x, norm, Config.RmsNormEps);
    }

    /// <summary>LM logits [..., vocab] of hidden states [..., d].</summary>
    public Tensor Logits(Tensor hidden) => nn.functional.linear(hidden, OutputProjection);

    /// <summary>The recommendation head: the L2-normalised hidden state at each sequence's last real position.</summary>
    /// <param name="hidden">Post-final-norm hidden states [batch, seq, d].</param>
    /// <param name="lengths">Real length of each sequence (right padding after it).</param>
    public static Tensor LastStates(Tensor hidden, IReadOnlyList<int> lengths)
    {
        using var index = tensor(lengths.Select(n => (long)n - 1).ToArray(), ScalarType.Int64, hidden.device);
        using var rows = arange(hidden.shape[0], ScalarType.Int64, hidden.device);
        return hidden[rows, index];
    }

    /// <summary>
    /// Embeddings [prompts, d] of prompts (each ending at its <c>&lt;answer&gt;</c>), L2-normalised as in the managed
    /// item encoder: right-padded batches of <paramref name="batchSize"/>, no gradient.
    /// </summary>
    public float[] EncodePrompts(IReadOnlyList<int[]> prompts, int batchSize)
    {
        var d = Config.HiddenSize;
        var result = new float[prompts.Count * d];
        using var _ = no_grad();
        for (var start = 0; start < prompts.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var batch = prompts.Skip(start).Take(batchSize).ToList();
            var width = batch.Max(p => p.Length);
            var padded = new long[batch.Count * width];
            for (var b = 0; b < batch.Count; b++)
                for (var t = 0; t < batch[b].Length; t++)
                    padded[b * width + t] = batch[b][t];
            var ids = tensor(padded, [batch.Count, width], ScalarType.Int64, Device);
            var last = LastStates(Hidden(ids), batch.Select(p => p.Length).ToList());
            var unit = nn.functional.normalize(last.to(ScalarType.Float32), p: 2, dim: -1).cpu();
            unit.data<float>().CopyTo(result.AsSpan(start * d, batch.Count * d));
        }
        return result;
    }
}

/// <summary>Where a decoder layer puts the keys and values of new positions and reads those before them.</summary>
internal interface IAttentionCache
{
    /// <summary>
    /// Stores layer <paramref name="layer"/>'s rotated keys <paramref name="k"/> and values <paramref name="v"/> [batch,
    /// kv heads, new, head dim] of the new positions and returns the attention [batch, heads, new, head dim] of the rotated
    /// queries <paramref name="q"/> over every position each query may see.
    /// </summary>
    Tensor Attend(int layer, Tensor q, Tensor k, Tensor v);
}

/// <summary>Keys and values of every layer [batch, kv heads, length, head dim], grown by concatenation.</summary>
public sealed class TorchKvCache : IAttentionCache, IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;

    /// <summary>An empty cache for <paramref name="layers"/> layers.</summary>
    public TorchKvCache(int layers)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
    }

    /// <summary>Positions held.</summary>
    public long Length { get; internal set; }

    /// <summary>Decoder layers held.</summary>
    public int Layers => _keys.Length;

    /// <summary>
    /// A cache of <paramref name="copies"/> sequences, each with this (single-sequence) cache's prefix: the prompt is
    /// prefilled once and shared by every sample of a group.
    /// </summary>
    public TorchKvCache Repeat(int copies)
    {
        var copy = new TorchKvCache(_keys.Length) { Length = Length };
        for (var l = 0; l < _keys.Length; l++)
        {
            copy._keys[l] = _keys[l]?.repeat(copies, 1, 1, 1).DetachFromDisposeScope();
            copy._values[l] = _values[l]?.repeat(copies, 1, 1, 1).DetachFromDisposeScope();
        }
        return copy;
    }

    /// <summary>Layer <paramref name="layer"/>'s keys and values [batch, kv heads, length, head dim] (null before the first append).</summary>
    internal (Tensor? Keys, Tensor? Values) Layer(int layer) => (_keys[layer], _values[layer]);

    Tensor IAttentionCache.Attend(int layer, Tensor q, Tensor k, Tensor v)
    {
        // Length is still the prefix's: it moves on after the last layer.
        var past = Length;
        var seq = q.shape[2];
        var keys = _keys[layer] is { } oldK ? cat([oldK, k], 2) : k.alias();
        var values = _values[layer] is { } oldV ? cat([oldV, v], 2) : v.alias();
        _keys[layer]?.Dispose();
        _values[layer]?.Dispose();
        _keys[layer] = keys.DetachFromDisposeScope();
        _values[layer] = values.DetachFromDisposeScope();
        if (past == 0 || seq == 1)
        {
            // Without a prefix the causal mask is the usual lower triangle; one new token sees every cached key.
            return TorchDecoderLayer.Attention(q, keys, values, mask: null, causal: past == 0 && seq > 1);
        }
        // Several new tokens after a cached prefix: query i (position past + i) sees keys 0 … past + i.
        using var mask = ones(seq, past + seq, ScalarType.Bool, q.device).tril(past);
        return TorchDecoderLayer.Attention(q, keys, values, mask, causal: false);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        for (var l = 0; l < _keys.Length; l++)
        {
            _keys[l]?.Dispose();
            _values[l]?.Dispose();
            _keys[l] = _values[l] = null;
        }
    }
}

/// <summary>One Qwen2 decoder layer: pre-norm grouped-query attention with rotary positions, then a pre-norm SwiGLU MLP.</summary>
internal sealed class TorchDecoderLayer : nn.Module
{
    private readonly Parameter input_layernorm;
    private readonly AttentionProjections self_attn;
    private readonly Parameter post_attention_layernorm;
    private readonly MlpProjections mlp;
    private readonly int _heads, _kvHeads, _headDim;
    private readonly double _eps;

    public TorchDecoderLayer(Qwen2Config c, int d, int kv, Device device, ScalarType dtype) : base("Qwen2DecoderLayer")
    {
        _heads = c.NumAttentionHeads;
        _kvHeads = c.NumKeyValueHeads;
        _headDim = c.HeadDim;
        _eps = c.RmsNormEps;
        var bias = c.ToTransformerConfig().QkvBias;
        // Field names are the Hugging Face names: the projections sit under "self_attn." and "mlp.".
        input_layernorm = new Parameter(ones(d, dtype, device));
        self_attn = new AttentionProjections(d, kv, bias, device, dtype);
        post_attention_layernorm = new Parameter(ones(d, dtype, device));
        mlp = new MlpProjections(d, c.IntermediateSize, device, dtype);
        RegisterComponents();
    }

    /// <summary>x · rsqrt(mean(x²) + ε) · w, computed in float32 as Hugging Face does.</summary>
    public static Tensor RmsNorm(Tensor x, Tensor weight, double eps)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to(ScalarType.Float32);
        var normed = x32 * rsqrt(x32.pow(2).mean([-1L], keepdim: true) + eps);
        return (normed.to(x.dtype) * weight).MoveToOuterDisposeScope();
    }

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, IAttentionCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], seq = x.shape[1];
        var h = RmsNorm(x, input_layernorm, _eps);
        var q = self_attn.q_proj.forward(h).view(batch, seq, _heads, _headDim).transpose(1, 2);
        var k = self_attn.k_proj.forward(h).view(batch, seq, _kvHeads, _headDim).transpose(1, 2);
        var v = self_attn.v_proj.forward(h).view(batch, seq, _kvHeads, _headDim).transpose(1, 2);
        q = q * cos + RotateHalf(q) * sin;
        k = k * cos + RotateHalf(k) * sin;
        var attention = cache is null ? Attention(q, k, v, mask: null, causal: seq > 1) : cache.Attend(layer, q, k, v);
        var a = attention.transpose(1, 2).reshape(batch, seq, _heads * _headDim);
        var y = x + self_attn.o_proj.forward(a);
        var m = RmsNorm(y, post_attention_layernorm, _eps);
        var output = y + mlp.down_proj.forward(nn.functional.silu(mlp.gate_proj.forward(m)) * mlp.up_proj.forward(m));
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Grouped-query attention [batch, heads, seq, head dim] of queries [batch, heads, seq, head dim] over keys and values
    /// [batch, kv heads, keys, head dim]: each key head serves heads/kv heads consecutive query heads.
    /// </summary>
    /// <param name="q">Rotated queries.</param>
    /// <param name="k">Rotated keys of every visible position.</param>
    /// <param name="v">Values of every visible position.</param>
    /// <param name="mask">Boolean [seq, keys] or [batch, 1, seq, keys] (true = may attend), or null.</param>
    /// <param name="causal">Without a mask: the usual lower triangle (queries and keys at the same positions).</param>
    internal static Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal)
    {
        var groups = q.shape[1] / k.shape[1];
        if (groups != 1)
        {
            k = k.repeat_interleave(groups, 1);
            v = v.repeat_interleave(groups, 1);
        }
        return mask is null
            ? nn.functional.scaled_dot_product_attention(q, k, v, is_casual: causal)
            : nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: mask);
    }

    private static Tensor RotateHalf(Tensor x)
    {
        var halves = x.chunk(2, -1);
        return cat([-halves[1], halves[0]], -1);
    }

    private sealed class AttentionProjections : nn.Module
    {
        public readonly Linear q_proj, k_proj, v_proj, o_proj;

        public AttentionProjections(int d, int kv, bool bias, Device device, ScalarType dtype) : base("Qwen2Attention")
        {
            q_proj = nn.Linear(d, d, bias, device, dtype);
            k_proj = nn.Linear(d, kv, bias, device, dtype);
            v_proj = nn.Linear(d, kv, bias, device, dtype);
            o_proj = nn.Linear(d, d, false, device, dtype);
            RegisterComponents();
        }
    }

    private sealed class MlpProjections : nn.Module
    {
        public readonly Linear gate_proj, up_proj, down_proj;

        public MlpProjections(int d, int f, Device device, ScalarType dtype) : base("Qwen2MLP")
        {
            gate_proj = nn.Linear(d, f, false, device, dtype);
            up_proj = nn.Linear(d, f, false, device, dtype);
            down_proj = nn.Linear(f, d, false, device, dtype);
            RegisterComponents();
        }
    }
}
