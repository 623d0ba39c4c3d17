using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace R2ec.Cluster.Tests.Broker;

/// <summary>
/// A private RabbitMQ node for one test fixture: its own temporary directory, node name, AMQP, distribution and epmd
/// ports on loopback, so tests never touch a system broker or each other. It installs nothing: the Debian package
/// must be present (tests/run-tests.sh installs it).
/// </summary>
internal sealed class RabbitMqBroker : IDisposable
{
    private const string BinDirectory = "/usr/lib/rabbitmq/bin";
    private readonly string _dir;
    private readonly Dictionary<string, string> _env;
    private Process? _server;

    public int AmqpPort { get; }
    public string NodeName { get; }

    private RabbitMqBroker(string dir)
    {
        _dir = dir;
        AmqpPort = FreePort();
        NodeName = $"r2ec{Environment.ProcessId}x{AmqpPort}@localhost";
        File.WriteAllText(Path.Combine(dir, "enabled_plugins"), "[].");
        File.WriteAllText(Path.Combine(dir, "rabbitmq.conf"),
            $"listeners.tcp.default = 127.0.0.1:{AmqpPort}\nloopback_users = none\n");
        _env = new Dictionary<string, string>
        {
            // The Erlang cookie is created under HOME; a private HOME keeps it out of the real one.
            ["HOME"] = dir,
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = AmqpPort.ToString(),
            ["RABBITMQ_DIST_PORT"] = FreePort().ToString(),
            ["ERL_EPMD_PORT"] = FreePort().ToString(),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(dir, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(dir, "log"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(dir, "rabbitmq"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(dir, "enabled_plugins"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(dir, "rabbitmq.pid"),
        };
    }

    /// <summary>The node's log lines that report errors or crashes, for the output of a failing test.</summary>
    public string ErrorLog() =>
        string.Join('\n', Directory.EnumerateFiles(Path.Combine(_dir, "log"), "*.log")
            .SelectMany(File.ReadLines)
            .Where(l => l.Contains("[error]", StringComparison.Ordinal) || l.Contains("crash", StringComparison.OrdinalIgnoreCase)));

    /// <summary>Whether the broker's programs are installed on this machine.</summary>
    public static bool IsInstalled => File.Exists(Path.Combine(BinDirectory, "rabbitmq-server"));

    /// <summary>Starts a node and waits until it accepts AMQP connections.</summary>
    public static RabbitMqBroker Start(TimeSpan timeout)
    {
        if (!IsInstalled)
            Assert.Fail($"rabbitmq-server is not installed ({BinDirectory}); run the tests through tests/run-tests.sh, which installs it");
        var broker = new RabbitMqBroker(Directory.CreateTempSubdirectory("r2ec-rabbitmq-").FullName);
        try
        {
            broker.StartServer(timeout);
            return broker;
        }
        catch
        {
            broker.Dispose();
            throw;
        }
    }

    /// <summary>Stops the node (as a crash would, when <paramref name="graceful"/> is false) and starts it again on the same ports and data.</summary>
    public void Restart(TimeSpan timeout, bool graceful = true)
    {
        StopServer(graceful);
        StartServer(timeout);
    }

    private void StartServer(TimeSpan timeout)
    {
        _server = Launch("rabbitmq-server", [], redirect: true);
        var log = new System.Text.StringBuilder();
        _server.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        _server.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_server.HasExited)
                throw new InvalidOperationException($"rabbitmq-server exited with code {_server.ExitCode}:\n{log}");
            if (Accepts(AmqpPort))
                return;
            Thread.Sleep(200);
        }
        throw new TimeoutException($"rabbitmq-server did not accept connections on port {AmqpPort} within {timeout}:\n{log}");
    }

    private void StopServer(bool graceful)
    {
        if (_server is null)
            return;
        if (graceful && !_server.HasExited)
            RunCtl("stop");
        if (!_server.HasExited)
        {
            // The beam process is a child of the launcher script; kill the whole tree.
            _server.Kill(entireProcessTree: true);
        }
        _server.WaitForExit(30_000);
        _server.Dispose();
        _server = null;
    }

    private void RunCtl(params string[] args)
    {
        using var ctl = Launch("rabbitmqctl", ["-n", NodeName, .. args], redirect: true);
        ctl.StandardOutput.ReadToEnd();
        ctl.StandardError.ReadToEnd();
        ctl.WaitForExit(30_000);
    }

    private Process Launch(string program, string[] args, bool redirect)
    {
        var start = new ProcessStartInfo(Path.Combine(BinDirectory, program))
        {
            WorkingDirectory = _dir,
            RedirectStandardOutput = redirect,
            RedirectStandardError = redirect,
            UseShellExecute = false,
        };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        foreach (var (k, v) in _env)
            start.Environment[k] = v;
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
    }

    public void Dispose()
    {
        try
        {
            StopServer(graceful: true);
            // epmd is started on demand by Erlang and outlives the node; stop the one on our private port.
            using var epmd = new Process
            {
                StartInfo = new ProcessStartInfo("epmd", ["-port", _env["ERL_EPMD_PORT"], "-kill"])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                },
            };
            if (epmd.Start())
                epmd.WaitForExit(10_000);
        }
        finally
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
