using System.Numerics.Tensors;
using R2ec.Data.Datasets;
using R2ec.Tensors;
using R2ec.Tensors.Autograd;
using R2ec.Tensors.Ops;

namespace R2ec.Training.Baselines;

/// <summary>The pure pieces of SASRec: its input windows and labels, and keyed dropout.</summary>
public static class SasRecMath
{
    /// <summary>Id of the padding item (item numbers are 1..N).</summary>
    public const int Padding = 0;

    /// <summary>
    /// The training window of a train sample: the sample's history followed by its target, the last
    /// <paramref name="window"/> + 1 items of it; <paramref name="inputs"/> gets all but the last (left-padded with
    /// <see cref="Padding"/>) and <paramref name="labels"/> the item that followed each input position
    /// (<see cref="CrossEntropy.DefaultIgnoreIndex"/> at padded positions). Every label is the sample's own history or
    /// target, so a train sample teaches nothing after the train split's cut-off.
    /// </summary>
    public static void TrainingWindow(Sample sample, int window, Span<int> inputs, Span<int> labels)
    {
        if (inputs.Length != window || labels.Length != window)
            throw new ArgumentException($"inputs and labels must hold {window} positions");
        var sequence = new int[sample.History.Length + 1];
        sample.History.CopyTo(sequence, 0);
        sequence[^1] = sample.Target;
        var used = Math.Min(window + 1, sequence.Length);
        var seq = sequence.AsSpan(sequence.Length - used);
        var pad = window - (used - 1);
        inputs[..pad].Fill(Padding);
        labels[..pad].Fill(CrossEntropy.DefaultIgnoreIndex);
        seq[..^1].CopyTo(inputs[pad..]);
        seq[1..].CopyTo(labels[pad..]);
    }

    /// <summary>The scoring window of a sample: the last <paramref name="window"/> items of its history, left-padded.</summary>
    public static void ScoringWindow(Sample sample, int window, Span<int> inputs)
    {
        if (inputs.Length != window)
            throw new ArgumentException($"inputs must hold {window} positions");
        var used = Math.Min(window, sample.History.Length);
        inputs[..(window - used)].Fill(Padding);
        sample.History.AsSpan(sample.History.Length - used).CopyTo(inputs[(window - used)..]);
    }

    /// <summary>
    /// The dropout mask, one element per entry of <paramref name="mask"/>: 0 with probability <paramref name="rate"/>, else
    /// 1 / (1 − rate), element i decided by draw i of <paramref name="random"/> alone.
    /// </summary>
    public static void DropoutMask(KeyedRandom random, double rate, Span<float> mask)
    {
        var keep = (float)(1 / (1 - rate));
        for (var i = 0; i < mask.Length; i++)
            mask[i] = random.Uniform((ulong)i) < rate ? 0f : keep;
    }

    /// <summary>Inverted dropout on the tape: <c>x ∘ mask</c> with the mask of <see cref="DropoutMask"/>.</summary>
    public static Variable Dropout(Tape tape, Variable x, double rate, KeyedRandom random)
    {
        var mask = tape.Allocate(false, x.Value.Shape.ToArray());
        DropoutMask(random, rate, mask.Span);
        var y = tape.Allocate(false, x.Value.Shape.ToArray());
        TensorPrimitives.Multiply(x.Value.Span, mask.Span, y.Span);
        return tape.Op(y, dy =>
        {
            if (!x.RequiresGrad)
                return;
            var g = tape.GradOf(x).Span;
            TensorPrimitives.MultiplyAdd(dy.Span, mask.Span, g, g);
        }, x);
    }
}
