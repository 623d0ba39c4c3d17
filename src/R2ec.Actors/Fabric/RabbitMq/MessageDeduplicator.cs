namespace R2ec.Actors.Fabric.RabbitMq;

/// <summary>
/// Remembers the ids of the last <see cref="Capacity"/> messages accepted, so a handler can drop a repeat: a broker
/// fabric delivers at least once, and a message whose acknowledgement or publisher confirm was lost arrives again with
/// the same id. Memory is bounded: the oldest id is forgotten first, so the window must cover the time a repeat can
/// take to arrive (a redelivery comes within the prefetch window of a restart, not thousands of messages later).
/// Thread-safe; shared by the members of a pool on one node, a message is accepted once however many members see it.
/// <see cref="RabbitMqFabric"/> keeps one per node for the messages its actors handled from their own queues.
/// </summary>
public sealed class MessageDeduplicator
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>Creates a window of <paramref name="capacity"/> ids.</summary>
    public MessageDeduplicator(int capacity = 65_536)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>How many ids are remembered.</summary>
    public int Capacity { get; }

    /// <summary>How many ids are remembered now.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _seen.Count;
        }
    }

    /// <summary>Whether an id was accepted and is still within the window, without accepting it.</summary>
    public bool Contains(string messageId)
    {
        lock (_gate) return _seen.Contains(messageId);
    }

    /// <summary>True the first time an id is seen (handle the message), false for a repeat within the window (drop it).</summary>
    public bool TryAccept(string messageId)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        lock (_gate)
        {
            if (!_seen.Add(messageId)) return false;
            _order.Enqueue(messageId);
            if (_order.Count > Capacity) _seen.Remove(_order.Dequeue());
            return true;
        }
    }
}
