using static R2ec.Shared.SplitMix64;

namespace R2ec.Shared;

/// <summary>
/// A random stream fixed by its key (seed, stream, index): the SplitMix64 sequence started from <see cref="Hash"/> of
/// the key. The numbers one user, item or epoch gets do not depend on how many were drawn for any other. The one
/// sequential keyed generator of the solution (synthetic data, sample order); draws that must be addressable by
/// counter (sampling, initialisation) use <c>R2ec.Tensors.KeyedRandom</c> over the same <see cref="SplitMix64"/>.
/// </summary>
/// <remarks>Compiled into each project, so the Data and Training layers share it without depending on each other.</remarks>
internal struct KeyedStream
{
    private const ulong Gamma = 0x9E3779B97F4A7C15;
    private ulong _state;

    /// <summary>The stream of key (<paramref name="seed"/>, <paramref name="stream"/>, <paramref name="index"/>).</summary>
    public KeyedStream(ulong seed, ulong stream, ulong index) => _state = Hash(seed, stream, index);

    /// <summary>The starting state of a key: also a well-mixed 64-bit seed derived from three values.</summary>
    public static ulong Hash(ulong seed, ulong stream, ulong index) =>
        Mix(Mix(seed + Gamma) ^ Mix(stream * Gamma + 1) ^ Mix(index * 0xD1B54A32D192ED03 + 2));

    /// <summary>The next 64 random bits.</summary>
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
