namespace R2ec.Tensors.Autograd;

/// <summary>
/// A node of the autograd graph: a value, and the gradient of the loss with respect to it once
/// <see cref="Tape.Backward(Variable)"/> has run.
/// </summary>
/// <remarks>
/// Parameters (<see cref="Parameter"/>) keep their gradient across tapes, so several backward passes
/// accumulate into it (gradient accumulation) until the optimizer clears it. Intermediate values and their
/// gradients belong to the tape that made them and go back to the pool when it is disposed.
/// </remarks>
public sealed class Variable
{
    internal Variable(Tensor value, bool requiresGrad, bool isParameter, string? name)
    {
        Value = value;
        RequiresGrad = requiresGrad;
        IsParameter = isParameter;
        Name = name;
    }

    /// <summary>The value.</summary>
    public Tensor Value { get; }

    /// <summary>The gradient, or null while nothing has flowed into it.</summary>
    public Tensor? Grad { get; internal set; }

    /// <summary>Whether gradients are computed for this value.</summary>
    public bool RequiresGrad { get; }

    /// <summary>Whether this is a trainable parameter whose gradient outlives a tape.</summary>
    public bool IsParameter { get; }

    /// <summary>Name for messages and checkpoints.</summary>
    public string? Name { get; }

    /// <summary>A trainable parameter (a leaf that requires a gradient).</summary>
    public static Variable Parameter(Tensor value, string name) => new(value, true, true, name);

    /// <summary>A constant leaf (no gradient).</summary>
    public static Variable Constant(Tensor value, string? name = null) => new(value, false, false, name);

    /// <summary>
    /// The gradient buffer of a parameter, created zeroed when absent (to write gradients that come from elsewhere,
    /// e.g. an all-reduce).
    /// </summary>
    public Tensor EnsureGrad()
    {
        if (!IsParameter)
            throw new InvalidOperationException($"'{Name}' is not a parameter; intermediate gradients belong to their tape");
        return Grad ??= Tensor.Pooled(true, Value.Shape.ToArray());
    }

    /// <summary>Clears the gradient of a parameter (keeps its memory).</summary>
    public void ZeroGrad() => Grad?.Span.Clear();

    /// <inheritdoc />
    public override string ToString() => $"{Name ?? "var"} {Value}";
}
