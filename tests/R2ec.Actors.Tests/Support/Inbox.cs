using System.Threading.Channels;

namespace R2ec.Actors.Tests.Support;

/// <summary>A queue a test awaits items from, failing (not hanging) when none comes within a generous limit.</summary>
internal sealed class Inbox<T>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly Channel<T> _items = Channel.CreateUnbounded<T>();

    public void Add(T item) => _items.Writer.TryWrite(item);

    public async Task<T> NextAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            return await _items.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new AssertionException($"no {typeof(T).Name} arrived within {Patience.TotalSeconds} s");
        }
    }

    public async Task<T> NextAsync(Func<T, bool> predicate)
    {
        while (true)
        {
            var item = await NextAsync();
            if (predicate(item)) return item;
        }
    }

    public async Task<List<T>> TakeAsync(int count)
    {
        var list = new List<T>(count);
        for (var i = 0; i < count; i++)
            list.Add(await NextAsync());
        return list;
    }

    public bool TryTake(out T item) => _items.Reader.TryRead(out item!);
}
