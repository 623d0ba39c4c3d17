namespace R2ec.Actors.Events;

/// <summary>In-process publication of lifecycle events, for tests and for monitors that react to them.</summary>
public sealed class ActorEventStream
{
    private readonly Lock _gate = new();
    private Action<ActorEvent>[] _subscribers = [];

    /// <summary>Calls <paramref name="handler"/> for every later event, on the thread that raised it, until disposed.</summary>
    public IDisposable Subscribe(Action<ActorEvent> handler)
    {
        lock (_gate) _subscribers = [.. _subscribers, handler];
        return new Subscription(this, handler);
    }

    internal void Publish(ActorEvent actorEvent)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
            subscriber(actorEvent);
    }

    private void Remove(Action<ActorEvent> handler)
    {
        lock (_gate) _subscribers = _subscribers.Where(s => s != handler).ToArray();
    }

    private sealed class Subscription(ActorEventStream stream, Action<ActorEvent> handler) : IDisposable
    {
        public void Dispose() => stream.Remove(handler);
    }
}
