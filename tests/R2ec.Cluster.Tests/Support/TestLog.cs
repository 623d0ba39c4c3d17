using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace R2ec.Cluster.Tests.Support;

/// <summary>A logger that keeps every rendered event (message, properties, exception) for assertions and shows it in the test output.</summary>
internal sealed class TestLog : ILogEventSink
{
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];

    public TestLog(LogEventLevel minimum = LogEventLevel.Debug) =>
        Logger = new LoggerConfiguration().MinimumLevel.Is(minimum).WriteTo.Sink(this).CreateLogger();

    public ILogger Logger { get; }

    public string Text
    {
        get
        {
            lock (_gate) return string.Join('\n', _lines);
        }
    }

    public void Emit(LogEvent e)
    {
        var line = $"{e.Timestamp:HH:mm:ss.fff} {e.Level} {e.RenderMessage()} {string.Join(' ', e.Properties.Select(p => $"{p.Key}={p.Value}"))} {e.Exception}";
        lock (_gate) _lines.Add(line);
        TestContext.Progress.WriteLine(line);
    }
}
