using System.Diagnostics;
using System.Runtime.InteropServices;

namespace R2ec.Training.Actors;

/// <summary>
/// What one step asked of the coordinator, measured where it happens (the load test, docs/cluster.md "How far one
/// coordinator goes"): groups accepted per second of the rollout phase, the latency from a sample's first dispatch to
/// its accepted group (a re-queued request counts from its first dispatch, so a lost worker shows in the tail), and
/// the coordinator's mailbox depth sampled at every group it takes. Belongs to the coordinator's thread; one per step.
/// </summary>
internal sealed class CoordinatorLoad
{
    private readonly Dictionary<ulong, long> _dispatched = [];
    private readonly List<double> _latencies = [];
    private readonly long _start = Stopwatch.GetTimestamp();
    private long _lastAccepted;
    private long _depthSum;
    private int _depthSamples;
    private int _depthMax;
    private long _busyTicks;
    private long _busyCpuNanoseconds;

    /// <summary>A request for <paramref name="sample"/> was handed to a worker (only the first hand-out counts).</summary>
    public void Dispatched(ulong sample) => _dispatched.TryAdd(sample, Stopwatch.GetTimestamp());

    /// <summary>The group of <paramref name="sample"/> was accepted.</summary>
    public void Accepted(ulong sample)
    {
        _lastAccepted = Stopwatch.GetTimestamp();
        if (_dispatched.TryGetValue(sample, out var sent))
            _latencies.Add(Stopwatch.GetElapsedTime(sent, _lastAccepted).TotalMilliseconds);
    }

    /// <summary>One sample of the mailbox depth (messages waiting behind the one being handled).</summary>
    public void Mailbox(int depth)
    {
        _depthSum += depth;
        _depthSamples++;
        _depthMax = Math.Max(_depthMax, depth);
    }

    /// <summary>
    /// The coordinator spent <paramref name="ticks"/> (<see cref="Stopwatch"/> ticks, wall clock) and
    /// <paramref name="cpuNanoseconds"/> of its thread's CPU time on one message.
    /// </summary>
    public void Busy(long ticks, long cpuNanoseconds)
    {
        _busyTicks += ticks;
        _busyCpuNanoseconds += cpuNanoseconds;
    }

    /// <summary>
    /// CPU time of the calling thread in nanoseconds (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>; 0 elsewhere). Wall-clock
    /// busy time on a loaded machine counts the time the thread waited for a core; this does not.
    /// </summary>
    public static long ThreadCpuNanoseconds()
    {
        if (!OperatingSystem.IsLinux())
            return 0;
        return ClockGetTime(ThreadCpuClock, out var now) == 0 ? now.Seconds * 1_000_000_000 + now.Nanoseconds : 0;
    }

    private const int ThreadCpuClock = 3; // CLOCK_THREAD_CPUTIME_ID

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>The step's numbers: groups, rollout seconds, groups/s, latency p50/p99 (ms), mailbox mean and max.</summary>
    public LoadSummary Summary()
    {
        var seconds = _lastAccepted == 0 ? 0 : Stopwatch.GetElapsedTime(_start, _lastAccepted).TotalSeconds;
        var sorted = _latencies.Order().ToArray();
        return new LoadSummary(sorted.Length, seconds, seconds > 0 ? sorted.Length / seconds : 0,
            Quantile(sorted, 0.5), Quantile(sorted, 0.99), _depthSamples == 0 ? 0 : (double)_depthSum / _depthSamples, _depthMax,
            (double)_busyTicks / Stopwatch.Frequency, _busyCpuNanoseconds / 1e9);
    }

    /// <summary>The nearest-rank quantile <paramref name="q"/> of ascending <paramref name="sorted"/> (0 when empty).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(q, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1);
        if (sorted.Count == 0)
            return 0;
        var rank = (int)Math.Ceiling(q * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}

/// <summary>One step's load on the coordinator, as <see cref="CoordinatorLoad.Summary"/> reports it.</summary>
/// <param name="Groups">Groups accepted with a measured latency.</param>
/// <param name="RolloutSeconds">From the step's start to its last accepted group.</param>
/// <param name="GroupsPerSecond">Groups over rollout seconds.</param>
/// <param name="LatencyP50Ms">Median first dispatch to accepted group, milliseconds.</param>
/// <param name="LatencyP99Ms">99th percentile of the same.</param>
/// <param name="MailboxMean">Mean mailbox depth seen when a group was taken.</param>
/// <param name="MailboxMax">Largest mailbox depth seen.</param>
/// <param name="BusySeconds">Wall-clock time the coordinator spent handling messages during the step.</param>
/// <param name="BusyCpuSeconds">CPU time of the same (its one thread's share of the work, without waits for a core).</param>
internal readonly record struct LoadSummary(int Groups, double RolloutSeconds, double GroupsPerSecond, double LatencyP50Ms, double LatencyP99Ms,
    double MailboxMean, int MailboxMax, double BusySeconds, double BusyCpuSeconds);
