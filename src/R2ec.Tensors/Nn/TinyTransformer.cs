using R2ec.Tensors.Autograd;
using R2ec.Tensors.Ops;
using R2ec.Tensors.SafeTensors;

namespace R2ec.Tensors.Nn;

/// <summary>
/// A Qwen2-style decoder stack built from the engine's ops: the block-level reference the gradient checks and the
/// engine benchmark run, with a training forward on the tape and a KV-cached inference path.
/// Parameter names follow the Hugging Face Qwen2 layout (<c>model.layers.0.self_attn.q_proj.weight</c>, …).
/// </summary>
public sealed class TinyTransformer
{
    private readonly Block[] _blocks;

    /// <summary>Creates the model with PyTorch's default initialisation, drawn from a keyed stream of <paramref name="seed"/>.</summary>
    public TinyTransformer(TransformerConfig config, ulong seed)
    {
        config.Validate();
        Config = config;
        Rope = new RopeTable(config.HeadDim, config.RopeTheta, config.MaxPositions);
        var index = 0UL;
        Variable Param(string name, int rows, int cols, double scale, bool normal)
        {
            var t = Tensor.Zeros(rows == 0 ? [cols] : [rows, cols]);
            var rng = new KeyedRandom(seed, index++);
            var span = t.Span;
            for (var i = 0; i < span.Length; i++)
                span[i] = (float)(normal ? rng.Normal((ulong)i) * scale : (2 * rng.Uniform((ulong)i) - 1) * scale);
            return Variable.Parameter(t, name);
        }
        Variable Ones(string name, int n)
        {
            var t = Tensor.Zeros(n);
            t.Span.Fill(1f);
            return Variable.Parameter(t, name);
        }
        int d = config.Dim, kv = config.KvHeads * config.HeadDim, f = config.Ffn;
        var inD = 1 / Math.Sqrt(d);
        Embedding = Param("model.embed_tokens.weight", config.Vocab, d, 1, normal: true);
        _blocks = new Block[config.Layers];
        for (var l = 0; l < config.Layers; l++)
        {
            var p = $"model.layers.{l}.";
            _blocks[l] = new Block(
                Ones(p + "input_layernorm.weight", d),
                Param(p + "self_attn.q_proj.weight", d, d, inD, false),
                Param(p + "self_attn.k_proj.weight", kv, d, inD, false),
                Param(p + "self_attn.v_proj.weight", kv, d, inD, false),
                config.QkvBias ? Param(p + "self_attn.q_proj.bias", 0, d, inD, false) : null,
                config.QkvBias ? Param(p + "self_attn.k_proj.bias", 0, kv, inD, false) : null,
                config.QkvBias ? Param(p + "self_attn.v_proj.bias", 0, kv, inD, false) : null,
                Param(p + "self_attn.o_proj.weight", d, d, inD, false),
                Ones(p + "post_attention_layernorm.weight", d),
                Param(p + "mlp.gate_proj.weight", f, d, inD, false),
                Param(p + "mlp.up_proj.weight", f, d, inD, false),
                Param(p + "mlp.down_proj.weight", d, f, 1 / Math.Sqrt(f), false));
        }
        FinalNorm = Ones("model.norm.weight", d);
    }

    /// <summary>The shape.</summary>
    public TransformerConfig Config { get; }

    /// <summary>Rotary table shared by all layers.</summary>
    public RopeTable Rope { get; }

    /// <summary>Token embeddings [vocab, dim], also the (tied) output projection.</summary>
    public Variable Embedding { get; }

    /// <summary>Final RMSNorm weight.</summary>
    public Variable FinalNorm { get; }

    /// <summary>Every trainable parameter, embedding first, then blocks in order, then the final norm.</summary>
    public IReadOnlyList<Variable> Parameters
    {
        get
        {
            var list = new List<Variable> { Embedding };
            foreach (var b in _blocks)
                list.AddRange(b.All());
            list.Add(FinalNorm);
            return list;
        }
    }

    /// <summary>Writes every parameter under its Hugging Face name as a float32 safetensors file (atomically).</summary>
    public void SaveWeights(string path) =>
        SafeTensorsWriter.Write(path, Parameters.Select(p => new KeyValuePair<string, Tensor>(p.Name!, p.Value)),
            new Dictionary<string, string> { ["format"] = "pt" });

    /// <summary>
    /// Overwrites every parameter from <paramref name="file"/> (F32, F16 or BF16); a missing tensor or a shape that
    /// differs from <see cref="Config"/> is an error naming the tensor.
    /// </summary>
    public void LoadWeights(SafeTensorsFile file)
    {
        foreach (var p in Parameters)
        {
            var info = file.Info(p.Name!);
            if (!info.Shape.AsSpan().SequenceEqual(p.Value.Shape))
                throw new SafeTensorsException(file.FilePath, $"tensor '{p.Name}' has shape [{string.Join(", ", info.Shape)}], the model expects [{p.Value.ShapeText()}]");
            file.ReadInto(p.Name!, p.Value.Span);
        }
    }

    /// <summary>Hidden states after the final norm, [batch·seq, dim], for <paramref name="ids"/> [batch·seq] at positions 0…seq−1.</summary>
    public Variable Hidden(Tape tape, ReadOnlySpan<int> ids, int batch, int seq)
    {
        if (ids.Length != batch * seq)
            throw new ArgumentException($"{ids.Length} token ids for batch {batch} × seq {seq}", nameof(ids));
        var c = Config;
        var x = Ops.Embedding.Lookup(tape, Embedding, ids);
        foreach (var b in _blocks)
        {
            var h = RmsNorm.Apply(tape, x, b.AttnNorm, c.NormEps);
            var q = Linear.Apply(tape, h, b.Wq, b.Bq);
            var k = Linear.Apply(tape, h, b.Wk, b.Bk);
            var v = Linear.Apply(tape, h, b.Wv, b.Bv);
            var a = Attention.CausalSelfAttention(tape, q, k, v, batch, seq, c.Heads, c.KvHeads, Rope);
            x = Residual.Add(tape, x, Linear.Apply(tape, a, b.Wo));
            h = RmsNorm.Apply(tape, x, b.MlpNorm, c.NormEps);
            var gated = Activations.SwiGlu(tape, Linear.Apply(tape, h, b.Wg), Linear.Apply(tape, h, b.Wu));
            x = Residual.Add(tape, x, Linear.Apply(tape, gated, b.Wd));
        }
        return RmsNorm.Apply(tape, x, FinalNorm, c.NormEps);
    }

    /// <summary>Language-model logits [rows, vocab] of hidden states (tied embeddings).</summary>
    public Variable Logits(Tape tape, Variable hidden) => Linear.Apply(tape, hidden, Embedding);

    /// <summary>
    /// Inference: runs <paramref name="newTokens"/> tokens per sequence (ids [batch·newTokens]) at positions
    /// <c>cache.Length…</c>, appends them to the cache, and writes the final-norm hidden state [batch, dim] and
    /// the logits [batch, vocab] of each sequence's last new token.
    /// </summary>
    public void Infer(ReadOnlySpan<int> ids, int batch, int newTokens, KvCache cache, Span<float> lastHidden, Span<float> lastLogits)
    {
        var c = Config;
        var rows = batch * newTokens;
        if (ids.Length != rows)
            throw new ArgumentException($"{ids.Length} token ids for batch {batch} × {newTokens} new tokens", nameof(ids));
        var start = cache.Length;
        using var tape = new Tape(recording: false);
        var x = Ops.Embedding.Lookup(tape, Embedding, ids);
        for (var l = 0; l < _blocks.Length; l++)
        {
            var b = _blocks[l];
            var h = RmsNorm.Apply(tape, x, b.AttnNorm, c.NormEps);
            var q = Linear.Apply(tape, h, b.Wq, b.Bq);
            var k = Linear.Apply(tape, h, b.Wk, b.Bk);
            var v = Linear.Apply(tape, h, b.Wv, b.Bv);
            var a = tape.Allocate(false, rows, c.Dim);
            Attention.Infer(q.Value.Span, k.Value.Span, v.Value.Span, batch, newTokens, c.Heads, Rope, cache, l, start, a.Span);
            x = Residual.Add(tape, x, Linear.Apply(tape, Variable.Constant(a), b.Wo));
            h = RmsNorm.Apply(tape, x, b.MlpNorm, c.NormEps);
            var gated = Activations.SwiGlu(tape, Linear.Apply(tape, h, b.Wg), Linear.Apply(tape, h, b.Wu));
            x = Residual.Add(tape, x, Linear.Apply(tape, gated, b.Wd));
        }
        cache.Length = start + newTokens;
        // Only each sequence's last position is needed downstream: norm and project just those rows.
        var last = tape.Allocate(false, batch, c.Dim);
        for (var s = 0; s < batch; s++)
            x.Value.Span.Slice(((s + 1) * newTokens - 1) * c.Dim, c.Dim).CopyTo(last.Span.Slice(s * c.Dim, c.Dim));
        RmsNorm.Forward(last.Span, FinalNorm.Value.Span, batch, c.Dim, c.NormEps, lastHidden, default);
        if (!lastLogits.IsEmpty)
            Linear.Forward(lastHidden, batch, Embedding.Value.Span, default, c.Dim, c.Vocab, lastLogits);
    }

    private sealed record Block(Variable AttnNorm, Variable Wq, Variable Wk, Variable Wv, Variable? Bq, Variable? Bk, Variable? Bv,
        Variable Wo, Variable MlpNorm, Variable Wg, Variable Wu, Variable Wd)
    {
        public IEnumerable<Variable> All()
        {
            yield return AttnNorm;
            yield return Wq;
            yield return Wk;
            yield return Wv;
            if (Bq is not null)
                yield return Bq;
            if (Bk is not null)
                yield return Bk;
            if (Bv is not null)
                yield return Bv;
            yield return Wo;
            yield return MlpNorm;
            yield return Wg;
            yield return Wu;
            yield return Wd;
        }
    }
}
