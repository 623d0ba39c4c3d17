using static R2ec.Shared.SplitMix64;

namespace R2ec.Data.Datasets;

/// <summary>
/// A random stream fixed by its key (seed, stream, index): the SplitMix64 sequence started from a hash of the key.
/// The numbers one user or one item gets do not depend on how many were drawn for any other.
/// </summary>
internal struct KeyedRandom
{
    private const ulong Gamma = 0x9E3779B97F4A7C15;
    private ulong _state;

    public KeyedRandom(ulong seed, ulong stream, ulong index) =>
        _state = Mix(Mix(seed + Gamma) ^ Mix(stream * Gamma + 1) ^ Mix(index * 0xD1B54A32D192ED03 + 2));

    public ulong NextULong()
    {
        _state += Gamma;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, n).</summary>
    public int Next(int n) => (int)(NextDouble() * n);

    /// <summary>Standard normal (Box–Muller).</summary>
    public double NextGaussian()
    {
        var u = 1.0 - NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * NextDouble());
    }
}
