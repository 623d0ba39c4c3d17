using static R2ec.Shared.SplitMix64;

namespace R2ec.Tensors;

/// <summary>
/// Counter-based random numbers: draw <c>i</c> of stream <c>(seed, key)</c> is a pure function of those values,
/// so results never depend on which thread or worker asked first.
/// </summary>
public readonly struct KeyedRandom
{
    private readonly ulong _state;

    /// <summary>The stream for <paramref name="seed"/> and the keys (e.g. step, user, sample).</summary>
    public KeyedRandom(ulong seed, params ulong[] keys)
    {
        var s = Mix(seed ^ 0x9E3779B97F4A7C15UL);
        foreach (var k in keys)
            s = Mix(s ^ Mix(k + 0x632BE59BD9B4E019UL));
        _state = s;
    }

    /// <summary>64 random bits for counter <paramref name="index"/>.</summary>
    public ulong Bits(ulong index) => Mix(_state + Mix(index + 1));

    /// <summary>Uniform in [0, 1) for counter <paramref name="index"/>.</summary>
    public double Uniform(ulong index) => (Bits(index) >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal for counter <paramref name="index"/> (Box–Muller over two counters).</summary>
    public double Normal(ulong index)
    {
        var u1 = 1.0 - Uniform(2 * index);
        var u2 = Uniform(2 * index + 1);
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
