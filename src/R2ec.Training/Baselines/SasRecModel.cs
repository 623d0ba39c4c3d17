using R2ec.Tensors;
using R2ec.Tensors.Autograd;
using R2ec.Tensors.Ops;

namespace R2ec.Training.Baselines;

/// <summary>Shape of a <see cref="SasRecModel"/>.</summary>
/// <param name="Items">Items (numbered 1..Items; row 0 of the item table is the padding item).</param>
/// <param name="Window">Positions per sequence (the history window).</param>
/// <param name="Dim">Hidden size, also the item-embedding size.</param>
/// <param name="Blocks">Self-attention blocks.</param>
/// <param name="Heads">Attention heads (divide <paramref name="Dim"/> into an even head size).</param>
/// <param name="Dropout">Dropout rate on the embeddings and each block's attention and feed-forward outputs while training.</param>
public sealed record SasRecShape(int Items, int Window, int Dim, int Blocks, int Heads, double Dropout)
{
    /// <summary>Fails naming the field when the shape cannot be built.</summary>
    public void Validate()
    {
        if (Items < 1 || Window < 1 || Dim < 2 || Blocks < 1 || Heads < 1)
            throw new ArgumentException($"every size of the SASRec model must be positive: {this}");
        if (Dim % Heads != 0 || Dim / Heads % 2 != 0)
            throw new ArgumentException($"Heads {Heads} must divide Dim {Dim} into an even head size (rotary attention)");
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout))
            throw new ArgumentException($"Dropout {Dropout} must be in [0, 1)");
    }
}

/// <summary>
/// SASRec (Kang and McAuley, 2018) on the managed engine: item-ID embeddings plus learned absolute positions, causal
/// self-attention blocks (pre-norm, RMSNorm, a SiLU point-wise feed-forward), and the item table shared between input
/// and output, so an item's score for a user is the last position's hidden state dotted with the item's embedding.
/// </summary>
/// <remarks>
/// Departures from the paper, all forced or harmless here: the engine's attention op always applies rotary embedding on
/// top of the learned positions (it is relative, so it adds order information but removes none); RMSNorm and SiLU
/// stand in for LayerNorm and ReLU because those are the engine's ops. Sequences are left-padded with item 0, whose
/// embedding is trained like any other and acts as a start token; padded positions carry no loss.
/// Dropout masks are keyed by (seed, step, site), so the same seed trains the same weights bit for bit.
/// </remarks>
public sealed class SasRecModel
{
    private readonly Block[] _blocks;
    private readonly int[] _positionIds;

    /// <summary>Creates the model, every parameter drawn from a keyed stream of <paramref name="seed"/>.</summary>
    public SasRecModel(SasRecShape shape, ulong seed)
    {
        shape.Validate();
        Shape = shape;
        Rope = new RopeTable(shape.Dim / shape.Heads, 10000, shape.Window);
        var index = 0UL;
        var d = shape.Dim;
        var scale = 1 / Math.Sqrt(d);
        Variable Uniform(string name, int rows, int cols)
        {
            var t = Tensor.Zeros(rows == 0 ? [cols] : [rows, cols]);
            var random = new KeyedRandom(seed, index++);
            var span = t.Span;
            for (var i = 0; i < span.Length; i++)
                span[i] = (float)((2 * random.Uniform((ulong)i) - 1) * scale);
            return Variable.Parameter(t, name);
        }
        Variable Ones(string name)
        {
            var t = Tensor.Zeros(d);
            t.Span.Fill(1f);
            return Variable.Parameter(t, name);
        }
        ItemEmbedding = Uniform("item_embedding", shape.Items + 1, d);
        Positions = Uniform("position_embedding", shape.Window, d);
        _blocks = new Block[shape.Blocks];
        for (var b = 0; b < shape.Blocks; b++)
        {
            var p = $"blocks.{b}.";
            _blocks[b] = new Block(Ones(p + "attn_norm"), Uniform(p + "wq", d, d), Uniform(p + "wk", d, d), Uniform(p + "wv", d, d),
                Uniform(p + "wo", d, d), Ones(p + "ffn_norm"), Uniform(p + "w1", d, d), Uniform(p + "b1", 0, d),
                Uniform(p + "w2", d, d), Uniform(p + "b2", 0, d));
        }
        FinalNorm = Ones("final_norm");
        _positionIds = Enumerable.Range(0, shape.Window).ToArray();
    }

    /// <summary>The shape.</summary>
    public SasRecShape Shape { get; }

    /// <summary>Rotary table of the attention op.</summary>
    public RopeTable Rope { get; }

    /// <summary>Item embeddings [items + 1, dim]; row 0 is the padding item, row i item i. Input and output share it.</summary>
    public Variable ItemEmbedding { get; }

    /// <summary>Learned absolute position embeddings [window, dim]; position window − 1 is the most recent item.</summary>
    public Variable Positions { get; }

    /// <summary>Final RMSNorm weight.</summary>
    public Variable FinalNorm { get; }

    /// <summary>Every trainable parameter, in a fixed order.</summary>
    public IReadOnlyList<Variable> Parameters =>
        [ItemEmbedding, Positions, .. _blocks.SelectMany(b => b.All()), FinalNorm];

    /// <summary>
    /// Hidden states after the final norm, [batch·window, dim], of left-padded item sequences <paramref name="ids"/>
    /// [batch·window]. <paramref name="dropout"/> keys the dropout masks (training); null runs without dropout (scoring).
    /// </summary>
    public Variable Hidden(Tape tape, ReadOnlySpan<int> ids, int batch, (ulong Seed, long Step)? dropout)
    {
        var w = Shape.Window;
        if (ids.Length != batch * w)
            throw new ArgumentException($"{ids.Length} item ids for batch {batch} × window {w}", nameof(ids));
        var positions = new int[batch * w];
        for (var b = 0; b < batch; b++)
            _positionIds.CopyTo(positions, b * w);
        var site = 0UL;
        Variable Drop(Variable x) => dropout is { } key && Shape.Dropout > 0
            ? SasRecMath.Dropout(tape, x, Shape.Dropout, new KeyedRandom(key.Seed, (ulong)key.Step, site++))
            : x;

        var x = Drop(Residual.Add(tape, Embedding.Lookup(tape, ItemEmbedding, ids), Embedding.Lookup(tape, Positions, positions)));
        foreach (var block in _blocks)
        {
            var h = RmsNorm.Apply(tape, x, block.AttnNorm, 1e-6f);
            var a = Attention.CausalSelfAttention(tape, Linear.Apply(tape, h, block.Wq), Linear.Apply(tape, h, block.Wk),
                Linear.Apply(tape, h, block.Wv), batch, w, Shape.Heads, Shape.Heads, Rope);
            x = Residual.Add(tape, x, Drop(Linear.Apply(tape, a, block.Wo)));
            h = RmsNorm.Apply(tape, x, block.FfnNorm, 1e-6f);
            var f = Linear.Apply(tape, Activations.Silu(tape, Linear.Apply(tape, h, block.W1, block.B1)), block.W2, block.B2);
            x = Residual.Add(tape, x, Drop(f));
        }
        return RmsNorm.Apply(tape, x, FinalNorm, 1e-6f);
    }

    /// <summary>
    /// The next-item cross-entropy over every item of a batch of left-padded sequences: <paramref name="labels"/> holds
    /// the item that followed each position, or <see cref="CrossEntropy.DefaultIgnoreIndex"/> where nothing is learned.
    /// </summary>
    public Variable Loss(Tape tape, ReadOnlySpan<int> ids, ReadOnlySpan<int> labels, int batch, (ulong Seed, long Step)? dropout) =>
        CrossEntropy.Loss(tape, Linear.Apply(tape, Hidden(tape, ids, batch, dropout), ItemEmbedding), labels);

    /// <summary>
    /// Scores of every item (index = item − 1) for each of <paramref name="batch"/> left-padded sequences, written to
    /// <paramref name="scores"/> [batch, items]: the last position's hidden state dotted with each item's embedding.
    /// </summary>
    public void Score(ReadOnlySpan<int> ids, int batch, Span<float> scores)
    {
        var d = Shape.Dim;
        var n = Shape.Items;
        if (scores.Length != batch * n)
            throw new ArgumentException($"{scores.Length} scores for batch {batch} × {n} items", nameof(scores));
        using var tape = new Tape(recording: false);
        var hidden = Hidden(tape, ids, batch, dropout: null).Value.Span;
        var last = new float[batch * d];
        for (var b = 0; b < batch; b++)
            hidden.Slice(((b + 1) * Shape.Window - 1) * d, d).CopyTo(last.AsSpan(b * d, d));
        // Rows 1..n of the table are the items; the padding row is never recommended.
        Linear.Forward(last, batch, ItemEmbedding.Value.Span[d..], default, d, n, scores);
    }

    private sealed record Block(Variable AttnNorm, Variable Wq, Variable Wk, Variable Wv, Variable Wo, Variable FfnNorm,
        Variable W1, Variable B1, Variable W2, Variable B2)
    {
        public IEnumerable<Variable> All() => [AttnNorm, Wq, Wk, Wv, Wo, FfnNorm, W1, B1, W2, B2];
    }
}
