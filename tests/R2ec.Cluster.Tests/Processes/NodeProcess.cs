using System.Diagnostics;
using System.Runtime.InteropServices;
using R2ec.TestSupport;

namespace R2ec.Cluster.Tests.Processes;

/// <summary>
/// One real <c>r2ec</c> process (<c>dotnet r2ec.dll …</c>) with its stdout and stderr kept line by line, so a test can
/// wait for a log line, kill it as a crash would (SIGKILL) and show what it wrote when the test fails.
/// </summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Test name of the process (its node name, or "train").</summary>
    public string Name { get; }

    private NodeProcess(string name, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        Name = name;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        start.ArgumentList.Add(RepoPaths.CliDll);
        foreach (var a in args)
            start.ArgumentList.Add(a);
        foreach (var (k, v) in environment)
            start.Environment[k] = v;
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(_stderr, e.Data);
        _process.Exited += (_, _) => OnExited();
        if (!_process.Start())
            throw new InvalidOperationException($"could not start {name}");
        Id = _process.Id;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts <c>dotnet r2ec.dll <paramref name="args"/></c>.</summary>
    public static NodeProcess Start(string name, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment) =>
        new(name, args, environment);

    public int Id { get; }

    public bool HasExited => _exited.Task.IsCompleted;

    public string[] Stdout
    {
        get
        {
            lock (_gate) return [.. _stdout];
        }
    }

    public string[] Stderr
    {
        get
        {
            lock (_gate) return [.. _stderr];
        }
    }

    /// <summary>The rendered messages of the JSON log lines at <paramref name="levels"/> (Warning, Error, …) on stderr.</summary>
    public IEnumerable<string> Messages(params string[] levels) =>
        Stderr.Where(l => l.StartsWith('{') && levels.Any(level => l.Contains($"\"@l\":\"{level}\"", StringComparison.Ordinal)))
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("@m").GetString()!);

    /// <summary>
    /// The first line on stdout or stderr that <paramref name="match"/> accepts: already written or still to come, or
    /// only one still to come when <paramref name="fresh"/> is set.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what, bool fresh = false,
        CancellationToken cancel = default)
    {
        TaskCompletionSource<string> found;
        lock (_gate)
        {
            var seen = fresh ? null : _stderr.Concat(_stdout).FirstOrDefault(match);
            if (seen is not null)
                return seen;
            if (_exited.Task.IsCompleted)
                throw new AssertionException($"{Name} exited (code {_exited.Task.Result}) before it logged {what}");
            found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, found));
        }
        try
        {
            return await found.Task.WaitAsync(timeout, cancel);
        }
        catch (TimeoutException)
        {
            throw new AssertionException($"{Name} did not log {what} within {timeout.TotalSeconds:F0} s");
        }
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            var code = await _exited.Task.WaitAsync(timeout);
            _process.WaitForExit(); // drains the redirected streams
            return code;
        }
        catch (TimeoutException)
        {
            throw new AssertionException($"{Name} did not exit within {timeout.TotalSeconds:F0} s");
        }
    }

    /// <summary>SIGKILL, as a crash or an OOM kill would end it: no drain, no goodbye heartbeat.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
        _process.WaitForExit(30_000);
    }

    /// <summary>SIGTERM, as Kubernetes sends before it deletes a pod: the node is asked to leave.</summary>
    public void Terminate()
    {
        if (!HasExited && Signal(Id, SigTerm) != 0)
            throw new InvalidOperationException($"kill(SIGTERM) of {Name} (pid {Id}) failed with errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>SIGSTOP: the process freezes (as a long GC pause or a hung node would) and answers no heartbeat until <see cref="Continue"/>.</summary>
    public void Pause() => Send(SigStop, "SIGSTOP");

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Continue() => Send(SigCont, "SIGCONT");

    private void Send(int signal, string name)
    {
        if (Signal(Id, signal) != 0)
            throw new InvalidOperationException($"kill({name}) of {Name} (pid {Id}) failed with errno {Marshal.GetLastPInvokeError()}");
    }

    private const int SigTerm = 15;
    private const int SigStop = 19;
    private const int SigCont = 18;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

    /// <summary>The last <paramref name="lines"/> lines of both streams, for a failing test's output.</summary>
    public string Tail(int lines)
    {
        lock (_gate)
        {
            var code = _exited.Task.IsCompleted ? $"exit code {_exited.Task.Result}" : "running";
            return $"===== {Name} (pid {Id}, {code}): stdout =====\n{string.Join('\n', _stdout.TakeLast(lines))}\n" +
                   $"===== {Name}: stderr (last {lines} lines) =====\n{string.Join('\n', _stderr.TakeLast(lines))}\n";
        }
    }

    private void OnLine(List<string> lines, string? line)
    {
        if (line is null)
            return;
        lock (_gate)
        {
            lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Found.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private void OnExited()
    {
        lock (_gate)
        {
            _exited.TrySetResult(_process.ExitCode);
            foreach (var (_, found) in _waiters)
                found.TrySetException(new AssertionException($"{Name} exited (code {_process.ExitCode}) while a test waited for its log"));
            _waiters.Clear();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
