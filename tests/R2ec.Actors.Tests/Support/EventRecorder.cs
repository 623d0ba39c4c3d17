using R2ec.Actors.Events;
using R2ec.Actors.Runtime;

namespace R2ec.Actors.Tests.Support;

/// <summary>Collects a system's lifecycle events for assertions.</summary>
internal sealed class EventRecorder : IDisposable
{
    private readonly IDisposable _subscription;
    private readonly Lock _gate = new();
    private readonly List<ActorEvent> _all = [];

    public EventRecorder(ActorSystem system) =>
        _subscription = system.Events.Subscribe(e =>
        {
            lock (_gate) _all.Add(e);
            Inbox.Add(e);
        });

    public Inbox<ActorEvent> Inbox { get; } = new();

    public IReadOnlyList<ActorEvent> All
    {
        get
        {
            lock (_gate) return [.. _all];
        }
    }

    public Task<ActorEvent> NextAsync(ActorEventKind kind, string path) => Inbox.NextAsync(e => e.Kind == kind && e.Path == path);

    public void Dispose() => _subscription.Dispose();
}
