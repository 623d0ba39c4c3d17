using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace R2ec.Actors.Tests.Runtime;

public sealed class LifecycleLogTests
{
    private sealed class Capture : ILogEventSink
    {
        public Inbox<LogEvent> Events { get; } = new();
        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }

    [Test]
    public async Task Lifecycle_events_are_logged_with_the_actor_path()
    {
        var sink = new Capture();
        var logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger();
        await using var system = Create("node-1", logger);
        using var events = new EventRecorder(system);
        var actor = system.Spawn("learner", LambdaActor.Props((_, _) => throw new InvalidOperationException("bad batch"))
            with { Supervision = FastSupervision() });
        actor.Tell(Int(1));
        await events.NextAsync(ActorEventKind.Restarted, "/user/learner");

        var started = await sink.Events.NextAsync(e => e.MessageTemplate.Text.Contains("started"));
        var failed = await sink.Events.NextAsync(e => e.MessageTemplate.Text.Contains("failed"));
        var restarted = await sink.Events.NextAsync(e => e.MessageTemplate.Text.Contains("restarted"));
        Assert.Multiple(() =>
        {
            Assert.That(started.Properties["ActorPath"].ToString(), Is.EqualTo("\"/user/learner\""));
            Assert.That(started.Properties["Node"].ToString(), Is.EqualTo("\"node-1\""));
            Assert.That(failed.Level, Is.EqualTo(LogEventLevel.Warning));
            Assert.That(failed.Exception?.Message, Is.EqualTo("bad batch"));
            Assert.That(failed.Properties["BackoffMs"].ToString(), Is.EqualTo("10"));
            Assert.That(restarted.Level, Is.EqualTo(LogEventLevel.Information));
            Assert.That(restarted.Exception?.Message, Is.EqualTo("bad batch"));
            Assert.That(restarted.Properties["ActorPath"].ToString(), Is.EqualTo("\"/user/learner\""));
        });
    }
}
