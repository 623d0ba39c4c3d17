using R2ec.Shared;

namespace R2ec.Training;

/// <summary>
/// The data cursor's order over the training split: epoch <c>e</c> is a permutation keyed by (seed, e), so position
/// <c>p</c> of the endless stream always names the same sample, whatever was read before it or on which run.
/// </summary>
public sealed class SampleOrder
{
    private readonly ulong _seed;
    private readonly int _count;
    private long _cachedEpoch = -1;
    private int[] _permutation = [];

    /// <summary>Orders <paramref name="count"/> samples under <paramref name="seed"/>.</summary>
    public SampleOrder(ulong seed, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _seed = seed;
        _count = count;
    }

    /// <summary>Samples in one epoch.</summary>
    public int Count => _count;

    /// <summary>The sample index at stream position <paramref name="position"/>.</summary>
    public int At(long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        var epoch = position / _count;
        if (epoch != _cachedEpoch)
        {
            _permutation = Permutation(_seed, (ulong)epoch, _count);
            _cachedEpoch = epoch;
        }
        return _permutation[position % _count];
    }

    /// <summary>The indices at positions <paramref name="start"/> .. <paramref name="start"/> + <paramref name="length"/> - 1.</summary>
    public int[] Range(long start, int length)
    {
        var result = new int[length];
        for (var i = 0; i < length; i++)
            result[i] = At(start + i);
        return result;
    }

    private static int[] Permutation(ulong seed, ulong epoch, int count)
    {
        var p = new int[count];
        for (var i = 0; i < count; i++) p[i] = i;
        var random = new KeyedStream(seed, 0x5A4D_504C_45UL, epoch); // "SAMPLE" stream
        for (var i = count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
