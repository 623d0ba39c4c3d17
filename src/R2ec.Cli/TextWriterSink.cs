using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace R2ec.Cli;

/// <summary>A Serilog sink writing formatted events to a <see cref="TextWriter"/> (the console's stderr, or a test's writer).</summary>
internal sealed class TextWriterSink(ITextFormatter formatter, TextWriter writer) : ILogEventSink
{
    private readonly Lock _gate = new();

    public void Emit(LogEvent logEvent)
    {
        // Actors log from many threads; one event must never interleave with another.
        lock (_gate)
        {
            formatter.Format(logEvent, writer);
            writer.Flush();
        }
    }
}
