namespace R2ec.Training;

/// <summary>Counter-based hashing (SplitMix64) for keyed random streams.</summary>
internal static class Keyed
{
    private const ulong Gamma = 0x9E3779B97F4A7C15;

    /// <summary>A state fixed by three keys.</summary>
    public static ulong Hash(ulong a, ulong b, ulong c) => Mix(Mix(a + Gamma) ^ Mix(b * Gamma + 1) ^ Mix(c * 0xD1B54A32D192ED03 + 2));

    /// <summary>Advances the state and returns the next 64 random bits.</summary>
    public static ulong Next(ref ulong state)
    {
        state += Gamma;
        return Mix(state);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
