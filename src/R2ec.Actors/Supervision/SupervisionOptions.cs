namespace R2ec.Actors.Supervision;

/// <summary>What happens to an actor whose handler throws.</summary>
public enum SupervisionDirective
{
    /// <summary>Replace the instance with a fresh one after a backoff; the failing message is dropped.</summary>
    Restart,

    /// <summary>Stop the actor for good.</summary>
    Stop,

    /// <summary>Stop the actor and fail its parent with the exception.</summary>
    Escalate,
}

/// <summary>
/// How an actor is supervised (DESIGN.md §5): restarts with exponential backoff from <see cref="MinBackoff"/> doubling to
/// <see cref="MaxBackoff"/>, each delay scaled by a factor drawn from [1 - jitter, 1 + jitter] keyed by (seed, path,
/// attempt); more than <see cref="MaxRestarts"/> failures within <see cref="RestartWindow"/> stop the actor and
/// escalate to its parent.
/// </summary>
public sealed record SupervisionOptions
{
    /// <summary>Delay before the first restart (3 s).</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Cap of the doubling delay (30 s).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Relative jitter of each delay (0.2 = ±20 %).</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>Restarts allowed within <see cref="RestartWindow"/>; the next failure escalates.</summary>
    public int MaxRestarts { get; init; } = 10;

    /// <summary>How far back failures count towards the limit and the backoff exponent.</summary>
    public TimeSpan RestartWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Chooses the directive for an exception; restart by default.</summary>
    public Func<Exception, SupervisionDirective> Decider { get; init; } = static _ => SupervisionDirective.Restart;

    /// <summary>The delay before restart number <paramref name="attempt"/> (1-based) of the actor at <paramref name="path"/>.</summary>
    public TimeSpan Backoff(int attempt, ulong seed, string path)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var doubling = Math.Min(MaxBackoff.Ticks, MinBackoff.Ticks * Math.Pow(2, Math.Min(attempt - 1, 62)));
        var unit = KeyedUnit(seed, path, attempt); // [0, 1)
        return TimeSpan.FromTicks((long)(doubling * (1 + Jitter * (2 * unit - 1))));
    }

    /// <summary>Throws unless the settings make sense.</summary>
    /// <exception cref="ArgumentException">A setting is out of range, named in the message.</exception>
    public void Validate()
    {
        if (MinBackoff < TimeSpan.Zero || MaxBackoff < MinBackoff)
            throw new ArgumentException($"supervision backoff must satisfy 0 ≤ MinBackoff ≤ MaxBackoff (got {MinBackoff} and {MaxBackoff})");
        if (!(Jitter is >= 0 and < 1))
            throw new ArgumentException($"supervision Jitter must lie in [0, 1) (got {Jitter})");
        if (MaxRestarts < 0 || RestartWindow <= TimeSpan.Zero)
            throw new ArgumentException($"supervision needs MaxRestarts ≥ 0 and a positive RestartWindow (got {MaxRestarts} and {RestartWindow})");
    }

    // A counter-based draw: the same (seed, path, attempt) always gives the same jitter, whatever the thread timing.
    private static double KeyedUnit(ulong seed, string path, int attempt)
    {
        var hash = 14695981039346656037UL; // FNV-1a of the path
        foreach (var c in path)
            hash = (hash ^ c) * 1099511628211UL;
        var x = seed ^ hash ^ ((ulong)attempt * 0x9E3779B97F4A7C15UL);
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL; // SplitMix64 finaliser
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (x >> 11) * (1.0 / (1UL << 53));
    }
}
