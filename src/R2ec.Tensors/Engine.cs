namespace R2ec.Tensors;

/// <summary>
/// Process-wide engine settings and the deterministic parallel loop every kernel uses.
/// </summary>
/// <remarks>
/// Kernels split their outputs into fixed contiguous ranges and give each output element to exactly one worker,
/// which reduces in a fixed order; the thread count therefore changes speed but never a single bit of a result.
/// </remarks>
public static class Engine
{
    private static readonly object Gate = new();
    private static int _threads = Environment.ProcessorCount;    private static WorkerPool? _pool;

    /// <summary>Kernel threads; 0 or less means one per core. Results do not depend on it.</summary>
    public static int Threads
    {
        get => _threads;
        set => _threads = value <= 0 ? Environment.ProcessorCount : value;
    }

    // Pools are kept per thread count and never torn down: their threads sleep when idle.
    private static WorkerPool Pool()
    {
        var pool = _pool;
        if (pool is not null && pool.Threads == _threads)
            return pool;
        lock (Gate)
        {
            if (_pool is null || _pool.Threads != _threads)
                _pool = Pools.TryGetValue(_threads, out var p) ? p : Pools[_threads] = new WorkerPool(_threads);
            return _pool;
        }
    }

    private static readonly Dictionary<int, WorkerPool> Pools = new();

    /// <summary>
    /// Runs <paramref name="body"/> over <c>[0, count)</c> split into at most <see cref="Threads"/> contiguous ranges
    /// of at least <paramref name="grain"/> items; small work runs on the calling thread.
    /// </summary>
    public static void For(int count, int grain, Action<int, int> body)
    {
        if (count <= 0)
            return;
        var parts = Math.Min(_threads, Math.Max(1, count / Math.Max(1, grain)));
        if (parts <= 1)
        {
            body(0, count);
            return;
        }
        Pool().Run(parts, p =>
        {
            var start = (int)((long)count * p / parts);
            var end = (int)((long)count * (p + 1) / parts);
            if (end > start)
                body(start, end);
        });
    }

    /// <summary>Runs <paramref name="body"/> once per task index in <c>[0, tasks)</c> on up to <see cref="Threads"/> workers.</summary>
    public static void ForEachTask(int tasks, Action<int> body)
    {
        if (tasks <= 0)
            return;
        if (_threads <= 1 || tasks == 1)
        {
            for (var t = 0; t < tasks; t++)
                body(t);
            return;
        }
        // Tasks are handed out dynamically; each writes only its own outputs, so the assignment never shows.
        var next = -1;
        Pool().Run(Math.Min(_threads, tasks), _ =>
        {
            int t;
            while ((t = Interlocked.Increment(ref next)) < tasks)
                body(t);
        });
    }
}
