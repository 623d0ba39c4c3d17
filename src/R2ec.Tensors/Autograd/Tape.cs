namespace R2ec.Tensors.Autograd;

/// <summary>
/// Records the backward function of every op applied while it is live, then runs them in reverse order.
/// Owns the intermediate tensors it allocates and gives them back to the pool when disposed.
/// </summary>
/// <remarks>
/// A tape made with <c>recording: false</c> is inference mode: ops still allocate their outputs from it but
/// record nothing and keep no values for a backward pass.
/// </remarks>
public sealed class Tape : IDisposable
{
    private readonly List<Action> _backward = new();
    private readonly List<Tensor> _owned = new();
    private bool _done;

    /// <summary>Starts a tape.</summary>
    public Tape(bool recording = true) => Recording = recording;

    /// <summary>Whether ops record their backward functions.</summary>
    public bool Recording { get; }

    /// <summary>Allocates a tape-owned tensor from the pool (zeroed when <paramref name="clear"/>).</summary>
    public Tensor Allocate(bool clear, params int[] shape)
    {
        var t = Tensor.Pooled(clear, shape);
        _owned.Add(t);
        return t;
    }

    /// <summary>Wraps an op's output; it requires a gradient when recording and any input does.</summary>
    public Variable Output(Tensor value, params Variable?[] inputs)
    {
        var requires = false;
        if (Recording)
        {
            foreach (var v in inputs)
                requires |= v is { RequiresGrad: true };
        }
        return new Variable(value, requires, false, null);
    }

    /// <summary>
    /// Wraps an op's output and, when it requires a gradient, records <paramref name="backward"/>, which receives
    /// d loss / d output once something downstream has produced it.
    /// </summary>
    public Variable Op(Tensor value, Action<Tensor> backward, params Variable?[] inputs)
    {
        var output = Output(value, inputs);
        if (output.RequiresGrad)
        {
            Record(() =>
            {
                if (output.Grad is { } dy)
                    backward(dy);
            });
        }
        return output;
    }

    /// <summary>Records a backward function, run by <see cref="Backward(Variable)"/> after those of later ops.</summary>
    public void Record(Action backward)
    {
        if (!Recording)
            throw new InvalidOperationException("an inference tape records no backward functions");
        _backward.Add(backward);
    }

    /// <summary>
    /// The gradient buffer of <paramref name="v"/> to accumulate into, created zeroed on first use:
    /// tape-owned for intermediates, persistent for parameters.
    /// </summary>
    public Tensor GradOf(Variable v)
    {
        if (v.Grad is { } g)
            return g;
        var shape = v.Value.Shape.ToArray();
        v.Grad = v.IsParameter ? Tensor.Pooled(true, shape) : Allocate(true, shape);
        return v.Grad;
    }

    /// <summary>Seeds d loss / d loss = 1 for a scalar (one-element) loss and runs every recorded backward function.</summary>
    public void Backward(Variable loss)
    {
        if (loss.Value.Length != 1)
            throw new ArgumentException($"backward needs a scalar loss, got shape [{loss.Value.ShapeText()}]", nameof(loss));
        Backward(loss, 1f);
    }

    /// <summary>Seeds the gradient of <paramref name="output"/> with <paramref name="seed"/> everywhere and runs backward.</summary>
    public void Backward(Variable output, float seed)
    {
        if (_done)
            throw new InvalidOperationException("backward already ran on this tape");
        if (!output.RequiresGrad)
            throw new InvalidOperationException("the output does not depend on any parameter");
        GradOf(output).Span.Fill(seed);
        for (var i = _backward.Count - 1; i >= 0; i--)
            _backward[i]();
        _done = true;
    }

    /// <summary>Gives every tape-owned tensor back to the pool; their views and values must not be used after.</summary>
    public void Dispose()
    {
        foreach (var t in _owned)
            t.Dispose();
        _owned.Clear();
        _backward.Clear();
    }
}
