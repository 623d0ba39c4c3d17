namespace R2ec.RecPO;

/// <summary>How a group's rewards become advantages.</summary>
public enum AdvantageKind
{
    /// <summary><c>(R_i - mean) / (std + 1e-8)</c> with the unbiased (n-1) standard deviation, as the paper's code.</summary>
    Gaussian,

    /// <summary>True leave-one-out baseline: <c>R_i - mean_{j≠i} R_j</c>.</summary>
    LeaveOneOut,
}

/// <summary>
/// Group-relative advantages (DESIGN.md §2 step 4). Rewards are laid out group after group, <c>groupSize</c> trajectories
/// each; the result has one advantage per trajectory (shape [trajectories]), which the losses broadcast over that
/// trajectory's tokens.
/// </summary>
public static class Advantages
{
    /// <summary>Added to the standard deviation so a group of equal rewards gives zero advantages, not NaN.</summary>
    public const double Epsilon = 1e-8;

    /// <summary>Advantages of every group in <paramref name="rewards"/>.</summary>
    /// <exception cref="ArgumentException">
    /// The group size is below 2 (neither baseline is defined for one sample), the rewards are not whole groups,
    /// the output differs in length, or a reward is not finite.
    /// </exception>
    public static void Compute(AdvantageKind kind, ReadOnlySpan<double> rewards, int groupSize, Span<double> advantages)
    {
        // Neither baseline is defined for a group of one.
        GroupLayout.Check(rewards, "reward", groupSize, 2, advantages.Length, "advantages");

        for (var start = 0; start < rewards.Length; start += groupSize)
        {
            var group = rewards.Slice(start, groupSize);
            var output = advantages.Slice(start, groupSize);
            if (kind == AdvantageKind.Gaussian) Gaussian(group, output);
            else if (kind == AdvantageKind.LeaveOneOut) LeaveOneOut(group, output);
            else throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown advantage kind");
        }
    }

    private static void Gaussian(ReadOnlySpan<double> group, Span<double> output)
    {
        var mean = Sum(group) / group.Length;
        var squares = 0.0;
        foreach (var r in group)
            squares += (r - mean) * (r - mean);
        var std = Math.Sqrt(squares / (group.Length - 1));
        for (var i = 0; i < group.Length; i++)
            output[i] = (group[i] - mean) / (std + Epsilon);
    }

    private static void LeaveOneOut(ReadOnlySpan<double> group, Span<double> output)
    {
        var sum = Sum(group);
        for (var i = 0; i < group.Length; i++)
            output[i] = group[i] - (sum - group[i]) / (group.Length - 1);
    }

    private static double Sum(ReadOnlySpan<double> values)
    {
        var sum = 0.0;
        foreach (var v in values)
            sum += v;
        return sum;
    }
}
