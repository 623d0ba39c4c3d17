using System.Runtime.ExceptionServices;

namespace R2ec.Tensors;

/// <summary>
/// Dedicated kernel threads that wake within microseconds: the calling thread runs participant 0 and the
/// workers run 1…n−1 of each job. Kernels call it thousands of times per training step, where the shared
/// thread pool's wake-up latency left the second core mostly idle.
/// </summary>
/// <remarks>
/// One job runs at a time. A call made while another is running (another actor's kernel, or a kernel inside a
/// parallel region) runs all its participants on the calling thread instead, which gives the same results.
/// </remarks>
internal sealed class WorkerPool
{
    private readonly Worker[] _workers;
    private readonly ManualResetEventSlim _done = new(false, spinCount: 2000);
    private readonly object _busy = new();
    private Action<int>? _work;
    private int _pending;
    private ExceptionDispatchInfo? _error;

    [ThreadStatic]
    private static bool _inside;

    public WorkerPool(int threads)
    {
        Threads = threads;
        _workers = new Worker[threads - 1];
        for (var i = 0; i < _workers.Length; i++)
            _workers[i] = new Worker(this, i + 1);
    }

    public int Threads { get; }

    /// <summary>Runs <paramref name="work"/>(p) for p in [0, participants), participants ≤ <see cref="Threads"/>.</summary>
    public void Run(int participants, Action<int> work)
    {
        if (participants <= 1 || _inside || !Monitor.TryEnter(_busy))
        {
            for (var p = 0; p < participants; p++)
                work(p);
            return;
        }
        try
        {
            _work = work;
            _error = null;
            _done.Reset();
            Volatile.Write(ref _pending, participants - 1);
            for (var p = 1; p < participants; p++)
                _workers[p - 1].Start.Set();
            Execute(0);
            _done.Wait();
            _work = null;
            _error?.Throw();
        }
        finally
        {
            Monitor.Exit(_busy);
        }
    }

    private void Execute(int participant)
    {
        _inside = true;
        try
        {
            _work!(participant);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
        }
        finally
        {
            _inside = false;
        }
    }

    private void Finished()
    {
        if (Interlocked.Decrement(ref _pending) == 0)
            _done.Set();
    }

    private sealed class Worker
    {
        public readonly ManualResetEventSlim Start = new(false, spinCount: 2000);

        public Worker(WorkerPool pool, int index)
        {
            var thread = new Thread(() =>
            {
                while (true)
                {
                    Start.Wait();
                    Start.Reset();
                    pool.Execute(index);
                    pool.Finished();
                }
            })
            {
                IsBackground = true,
                Name = $"r2ec-kernel-{index}",
            };
            thread.Start();
        }
    }
}
