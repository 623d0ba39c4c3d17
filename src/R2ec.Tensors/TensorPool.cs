using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace R2ec.Tensors;

/// <summary>
/// Pool of pinned float buffers in power-of-two size classes whose usable part starts on a 64-byte boundary,
/// so steady-state training steps reuse the same memory instead of allocating.
/// </summary>
public static class TensorPool
{
    private const int MinClass = 6; // 64 floats
    private const int Classes = 31;
    private static readonly ConcurrentStack<float[]>[] Free = CreateClasses();

    private static ConcurrentStack<float[]>[] CreateClasses()
    {
        var stacks = new ConcurrentStack<float[]>[Classes];
        for (var i = 0; i < Classes; i++)
            stacks[i] = new ConcurrentStack<float[]>();
        return stacks;
    }

    /// <summary>Floats of the size class that holds <paramref name="length"/> floats.</summary>
    internal static int ClassOf(int length) => Math.Max(MinClass, 32 - BitOperations.LeadingZeroCount((uint)Math.Max(1, length - 1)));

    /// <summary>Rents a buffer with room for <paramref name="length"/> aligned floats; contents are undefined.</summary>
    internal static float[] Rent(int length, out int alignedOffset)
    {
        var cls = ClassOf(length);
        if (!Free[cls].TryPop(out var array))
            array = GC.AllocateUninitializedArray<float>((1 << cls) + 16, pinned: true);
        alignedOffset = AlignedOffset(array);
        return array;
    }

    /// <summary>Returns a buffer obtained from <see cref="Rent"/>.</summary>
    internal static void Return(float[] array) => Free[ClassOf(array.Length - 16)].Push(array);

    /// <summary>Drops every pooled buffer (after a large job, to give the memory back).</summary>
    public static void Trim()
    {
        foreach (var stack in Free)
            stack.Clear();
    }

    private static unsafe int AlignedOffset(float[] pinned)
    {
        var address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
        return (int)((64 - (address & 63)) & 63) / sizeof(float);
    }
}
