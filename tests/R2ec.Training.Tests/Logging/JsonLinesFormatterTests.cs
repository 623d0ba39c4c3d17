using System.Text.Json;
using R2ec.Training.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace R2ec.Training.Tests.Logging;

public sealed class JsonLinesFormatterTests
{
    private sealed class Capture : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];
        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }

    private static string Format(Action<ILogger> log)
    {
        var capture = new Capture();
        using (var logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(capture).CreateLogger())
            log(logger);
        var writer = new StringWriter();
        foreach (var e in capture.Events)
            new JsonLinesFormatter().Format(e, writer);
        return writer.ToString();
    }

    [Test]
    public void EachEventIsOneJsonObjectOnOneLine_WithPropertiesAtTopLevel()
    {
        var text = Format(log =>
        {
            log.Information("actor {Path} restarted after \"{Reason}\"\nline two", "/user/rollout-3", "boom");
            log.Warning("step {Step} lag {@Lag}", 12, new { Versions = 2, Seconds = 1.5 });
        });

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(2));

        using var first = JsonDocument.Parse(lines[0]);
        Assert.That(first.RootElement.GetProperty("@l").GetString(), Is.EqualTo("Information"));
        Assert.That(first.RootElement.GetProperty("Path").GetString(), Is.EqualTo("/user/rollout-3"));
        Assert.That(first.RootElement.GetProperty("@m").GetString(), Does.Contain("line two"));

        using var second = JsonDocument.Parse(lines[1]);
        Assert.That(second.RootElement.GetProperty("Step").GetInt32(), Is.EqualTo(12));
        Assert.That(second.RootElement.GetProperty("Lag").GetProperty("Seconds").GetDouble(), Is.EqualTo(1.5));
    }

    [Test]
    public void Exception_IsWrittenAsAtX_AndTimestampIsUtc()
    {
        var text = Format(log => log.Error(new InvalidOperationException("kaput"), "failed"));

        using var doc = JsonDocument.Parse(text);
        Assert.That(doc.RootElement.GetProperty("@x").GetString(), Does.Contain("kaput"));
        Assert.That(doc.RootElement.GetProperty("@t").GetString(), Does.EndWith("Z"));
    }
}
