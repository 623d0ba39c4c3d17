using R2ec.Model.Tokenization;
using R2ec.Tensors;
using R2ec.Tensors.Autograd;
using R2ec.Tensors.Nn;
using R2ec.Tensors.Ops;
using R2ec.Tensors.SafeTensors;

namespace R2ec.Model.Policy;

/// <summary>
/// The R2ec policy: a Qwen2 decoder whose LM head (tied or untied) generates reasoning and whose post-final-norm hidden
/// state at the last token is the recommendation embedding. Parameters are <see cref="Variable"/>s named as in a
/// Hugging Face Qwen2 checkpoint; a model directory (<c>config.json</c>, <c>model.safetensors</c> or shards,
/// <c>tokenizer.json</c>) loads and saves with <see cref="Load"/> and <see cref="Save"/>.
/// </summary>
/// <remarks>
/// q_proj and k_proj rows are held in the engine's rotary layout (see the HF conversion in the remarks of the internal
/// <c>RotaryLayout</c>); every file, blob and <see cref="ExportTensors"/> result is in the Hugging Face layout. Per-parameter
/// state kept beside the <see cref="Parameters"/> (AdamW moments) shares their in-memory layout: save and restore it
/// as is, never mixed with exported tensors.
/// Inference (sampling, item encoding) reads the parameter values and must not run while an optimizer writes them:
/// rollout workers hold their own copy (<see cref="Clone"/>, <see cref="LoadWeights(byte[])"/>).
/// </remarks>
public sealed class R2ecPolicy
{
    private readonly TinyTransformer _net;
    private readonly Dictionary<string, Variable> _byName;

    private R2ecPolicy(Qwen2Config config, ulong seed, BpeTokenizer? tokenizer)
    {
        config.Validate();
        Config = config;
        Tokenizer = tokenizer;
        _net = new TinyTransformer(config.ToTransformerConfig(), seed);
        var parameters = _net.Parameters.ToList();
        if (!config.TieWordEmbeddings)
        {
            // Untied head: drawn like the other projections, from a stream the decoder's parameters do not use.
            var head = Tensor.Zeros(config.VocabSize, config.HiddenSize);
            var rng = new KeyedRandom(seed, ulong.MaxValue);
            var scale = 1 / Math.Sqrt(config.HiddenSize);
            var span = head.Span;
            for (var i = 0; i < span.Length; i++)
                span[i] = (float)((2 * rng.Uniform((ulong)i) - 1) * scale);
            LmHead = Variable.Parameter(head, "lm_head.weight");
            parameters.Add(LmHead);
        }
        Parameters = parameters;
        _byName = parameters.ToDictionary(p => p.Name!);
        Layers = Enumerable.Range(0, config.NumHiddenLayers).Select(l => new LayerWeights(this, l)).ToArray();
    }

    /// <summary>The shape.</summary>
    public Qwen2Config Config { get; }

    /// <summary>The tokenizer saved beside the weights (null for a bare model, e.g. in tests).</summary>
    public BpeTokenizer? Tokenizer { get; }

    /// <summary>Every trainable parameter, named as in Hugging Face Qwen2 (<c>model.embed_tokens.weight</c>, …, <c>lm_head.weight</c> when untied).</summary>
    public IReadOnlyList<Variable> Parameters { get; }

    /// <summary>The token embedding [vocab, d].</summary>
    public Variable Embedding => _net.Embedding;

    /// <summary>The untied LM head [vocab, d], or null when tied to <see cref="Embedding"/>.</summary>
    public Variable? LmHead { get; }

    /// <summary>The final RMSNorm weight.</summary>
    public Variable FinalNorm => _net.FinalNorm;

    /// <summary>The output projection actually used for logits (the embedding when tied).</summary>
    public Variable OutputProjection => LmHead ?? _net.Embedding;

    /// <summary>Rotary table shared by the layers.</summary>
    internal RopeTable Rope => _net.Rope;

    internal LayerWeights[] Layers { get; }

    /// <summary>The token that fills right-padded training rows (<c>pad_token_id</c>, else 0).</summary>
    public int PadId => Config.PadTokenId ?? 0;

    /// <summary>A freshly initialised model (weights drawn from a keyed stream of <paramref name="seed"/>).</summary>
    public static R2ecPolicy Create(Qwen2Config config, ulong seed, BpeTokenizer? tokenizer = null) => new(config, seed, tokenizer);

    /// <summary>
    /// Loads a Hugging Face Qwen2 model directory: <c>config.json</c>, weights single-file or sharded (F32, F16 or BF16),
    /// and <c>tokenizer.json</c> when present.
    /// </summary>
    /// <exception cref="FormatException">config.json or tokenizer.json is unusable; the message names file and field.</exception>
    /// <exception cref="SafeTensorsException">A weight is missing or mis-shaped; the message names file and tensor.</exception>
    public static R2ecPolicy Load(string directory)
    {
        var config = Qwen2Config.Load(Path.Combine(directory, HfCheckpoint.ConfigFile));
        var tokenizerPath = Path.Combine(directory, HfCheckpoint.TokenizerFile);
        var tokenizer = File.Exists(tokenizerPath) ? TokenizerJson.Load(tokenizerPath) : null;
        var policy = new R2ecPolicy(config, 0, tokenizer);
        HfCheckpoint.ReadWeights(directory, policy.Parameters.Select(p => (p.Name!, p.Value)).ToList());
        policy.ToEngineLayout();
        return policy;
    }

    /// <summary>
    /// Writes the model directory: config.json, the weights (one <c>model.safetensors</c>, or shards with an index when
    /// larger than <paramref name="maxShardBytes"/>) and tokenizer.json when there is a tokenizer (an older one is removed
    /// otherwise, so a load never pairs these weights with another model's tokenizer). Each file is atomic.
    /// </summary>
    public void Save(string directory, long maxShardBytes = long.MaxValue)
    {
        Directory.CreateDirectory(directory);
        Config.Save(Path.Combine(directory, HfCheckpoint.ConfigFile));
        HfCheckpoint.WriteWeights(directory, ExportTensors(), maxShardBytes);
        var tokenizerPath = Path.Combine(directory, HfCheckpoint.TokenizerFile);
        if (Tokenizer is not null)
            TokenizerJson.Save(Tokenizer, tokenizerPath);
        else
            File.Delete(tokenizerPath);
    }

    /// <summary>Copies of every parameter in Hugging Face layout and names, in <see cref="Parameters"/> order.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> ExportTensors() => EnumerateTensors().ToList();

    /// <summary>
    /// The copies of <see cref="ExportTensors"/> made one at a time as they are enumerated, so a consumer that moves each
    /// elsewhere (another backend) holds one parameter's copy at a time rather than a second model.
    /// </summary>
    public IEnumerable<KeyValuePair<string, Tensor>> EnumerateTensors()
    {
        foreach (var p in Parameters)
        {
            var t = p.Value.Clone();
            ConvertRotary(p.Name!, t, toEngine: false);
            yield return new(p.Name!, t);
        }
    }

    /// <summary>The weights as the bytes of a <c>model.safetensors</c> file (the weight-store blob).</summary>
    public byte[] WeightsToBytes() => WeightsToBytes(ExportTensors());

    /// <summary>
    /// Hugging Face–named tensors as the bytes of a <c>model.safetensors</c> file: the weight-store blob of any backend
    /// (<see cref="LoadWeights"/> reads it back).
    /// </summary>
    public static byte[] WeightsToBytes(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var temp = TempPath();
        try
        {
            SafeTensorsWriter.Write(temp, tensors, new Dictionary<string, string> { ["format"] = "pt" });
            return File.ReadAllBytes(temp);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Replaces the weights with those of a blob from <see cref="WeightsToBytes()"/> (same config).</summary>
    /// <exception cref="SafeTensorsException">The blob lacks a tensor or has another shape.</exception>
    public void LoadWeights(byte[] safetensors)
    {
        var temp = TempPath();
        try
        {
            File.WriteAllBytes(temp, safetensors);
            using (var file = SafeTensorsFile.Open(temp))
            {
                foreach (var p in Parameters)
                    HfCheckpoint.ReadInto(file, p.Name!, p.Value);
            }
            ToEngineLayout();
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Copies every parameter value of <paramref name="other"/> (same config) into this model.</summary>
    public void CopyWeightsFrom(R2ecPolicy other)
    {
        if (other.Config != Config)
            throw new ArgumentException($"cannot copy weights between different configs ({other.Config} vs {Config})", nameof(other));
        for (var i = 0; i < Parameters.Count; i++)
            other.Parameters[i].Value.Span.CopyTo(Parameters[i].Value.Span);
    }

    /// <summary>An independent copy (weights, config, the same immutable tokenizer); gradients are not copied.</summary>
    public R2ecPolicy Clone()
    {
        var copy = new R2ecPolicy(Config, 0, Tokenizer);
        copy.CopyWeightsFrom(this);
        return copy;
    }

    /// <summary>The parameter called <paramref name="name"/> (Hugging Face name).</summary>
    public Variable Parameter(string name) =>
        _byName.TryGetValue(name, out var p) ? p : throw new KeyNotFoundException($"no parameter named '{name}'");

    /// <summary>
    /// Training forward: post-final-norm hidden states [batch·seq, d] of <paramref name="ids"/> [batch·seq] at positions
    /// 0…seq−1 (causal, so right padding never changes the states of the real tokens before it).
    /// </summary>
    public Variable Hidden(Tape tape, ReadOnlySpan<int> ids, int batch, int seq) => _net.Hidden(tape, ids, batch, seq);

    /// <summary>LM logits [rows, vocab] of hidden states [rows, d], divided by <paramref name="temperature"/> (1: the plain logits).</summary>
    public Variable Logits(Tape tape, Variable hidden, float temperature = 1f) =>
        Linear.Apply(tape, hidden, OutputProjection, scale: 1f / temperature);

    private void ToEngineLayout()
    {
        foreach (var p in Parameters)
            ConvertRotary(p.Name!, p.Value, toEngine: true);
    }

    private void ConvertRotary(string name, Tensor t, bool toEngine)
    {
        if (!name.Contains(".self_attn.q_proj.", StringComparison.Ordinal) && !name.Contains(".self_attn.k_proj.", StringComparison.Ordinal))
            return;
        var cols = t.Rank == 1 ? 1 : t.Cols;
        if (toEngine)
            RotaryLayout.ToEngine(t.Span, Config.HeadDim, cols);
        else
            RotaryLayout.ToHuggingFace(t.Span, Config.HeadDim, cols);
    }

    private static string TempPath() => Path.Combine(Path.GetTempPath(), $"r2ec-weights-{Environment.ProcessId}-{Guid.NewGuid():N}.safetensors");

    /// <summary>One decoder layer's parameters, for the inference path.</summary>
    internal sealed class LayerWeights
    {
        public LayerWeights(R2ecPolicy p, int layer)
        {
            var n = $"model.layers.{layer}.";
            AttnNorm = p._byName[n + "input_layernorm.weight"].Value;
            Wq = p._byName[n + "self_attn.q_proj.weight"].Value;
            Wk = p._byName[n + "self_attn.k_proj.weight"].Value;
            Wv = p._byName[n + "self_attn.v_proj.weight"].Value;
            Bq = p._byName[n + "self_attn.q_proj.bias"].Value;
            Bk = p._byName[n + "self_attn.k_proj.bias"].Value;
            Bv = p._byName[n + "self_attn.v_proj.bias"].Value;
            Wo = p._byName[n + "self_attn.o_proj.weight"].Value;
            MlpNorm = p._byName[n + "post_attention_layernorm.weight"].Value;
            Wg = p._byName[n + "mlp.gate_proj.weight"].Value;
            Wu = p._byName[n + "mlp.up_proj.weight"].Value;
            Wd = p._byName[n + "mlp.down_proj.weight"].Value;
        }

        public Tensor AttnNorm { get; }
        public Tensor Wq { get; }
        public Tensor Wk { get; }
        public Tensor Wv { get; }
        public Tensor Bq { get; }
        public Tensor Bk { get; }
        public Tensor Bv { get; }
        public Tensor Wo { get; }
        public Tensor MlpNorm { get; }
        public Tensor Wg { get; }
        public Tensor Wu { get; }
        public Tensor Wd { get; }
    }
}
