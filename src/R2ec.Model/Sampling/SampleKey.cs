using R2ec.Tensors;

namespace R2ec.Model.Sampling;

/// <summary>
/// The key of one continuation's random stream: draw t (the t-th sampled token) is a pure function of
/// (seed, step, user, sample, t), so a trajectory never depends on the worker, the batch or the thread count.
/// </summary>
/// <param name="Seed">Run seed.</param>
/// <param name="Step">Training step (or evaluation round).</param>
/// <param name="User">User (sample row) index.</param>
/// <param name="Sample">Index of the continuation inside its group.</param>
public readonly record struct SampleKey(ulong Seed, ulong Step, ulong User, ulong Sample)
{
    /// <summary>The counter-based stream of this key.</summary>
    public KeyedRandom Stream() => new(Seed, Step, User, Sample);
}
