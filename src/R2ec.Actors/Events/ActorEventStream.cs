namespace R2ec.Actors.Events;

/// <summary>In-process publication of lifecycle events, for tests and for monitors that react to them.</summary>
/// <param name="subscriberFailed">Told of a subscriber's exception; the other subscribers still get the event.</param>
public sealed class ActorEventStream(Action<Exception> subscriberFailed)
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
        {
            try
            {
                subscriber(actorEvent);
            }
            catch (Exception e)
            {
                subscriberFailed(e);
            }
        }
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
