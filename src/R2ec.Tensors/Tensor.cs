using System.Text;

namespace R2ec.Tensors;

/// <summary>
/// A dense float32 tensor: row-major contiguous data with a shape, backed by pinned 64-byte aligned memory.
/// </summary>
/// <remarks>
/// Views (<see cref="Reshape"/>, <see cref="Rows"/>) share the buffer and never own it. Tensors created with
/// <see cref="Pooled"/> give their buffer back to <see cref="TensorPool"/> when disposed. Storage is float32 only;
/// reduced-precision weights (bf16, f16) are widened on load (see <c>SafeTensorsFile</c>), which keeps every kernel
/// on one element type while leaving room for a narrower storage type behind the same shape/offset API.
/// </remarks>
public sealed class Tensor : IDisposable
{
    private readonly int[] _shape;
    private float[]? _buffer;
    private readonly bool _ownsPooled;

    private Tensor(float[] buffer, int offset, int[] shape, bool ownsPooled)
    {
        _buffer = buffer;
        Offset = offset;
        _shape = shape;
        Length = Product(shape);
        _ownsPooled = ownsPooled;
    }

    /// <summary>The sizes of the dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>Index of element 0 in <see cref="Buffer"/>.</summary>
    public int Offset { get; }

    /// <summary>The backing array (pinned when the tensor came from the pool).</summary>
    public float[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(Tensor));

    /// <summary>The elements, row-major.</summary>
    public Span<float> Span => Buffer.AsSpan(Offset, Length);

    /// <summary>Size of the last dimension (1 for a scalar).</summary>
    public int Cols => _shape.Length == 0 ? 1 : _shape[^1];

    /// <summary>Product of all dimensions but the last.</summary>
    public int RowCount => Cols == 0 ? 0 : Length / Cols;

    /// <summary>Size of dimension <paramref name="axis"/> (negative counts from the end).</summary>
    public int Dim(int axis) => _shape[axis < 0 ? _shape.Length + axis : axis];

    /// <summary>A zero-filled tensor on a fresh managed array.</summary>
    public static Tensor Zeros(params int[] shape) => new(new float[Product(shape)], 0, (int[])shape.Clone(), false);

    /// <summary>A tensor over <paramref name="data"/> (not copied).</summary>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        if (Product(shape) != data.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {Product(shape)} elements, data has {data.Length}", nameof(shape));
        return new Tensor(data, 0, (int[])shape.Clone(), false);
    }

    /// <summary>A tensor on pooled aligned memory; its contents are undefined unless <paramref name="clear"/>.</summary>
    public static Tensor Pooled(bool clear, params int[] shape)
    {
        var length = Product(shape);
        var buffer = TensorPool.Rent(length, out var offset);
        var t = new Tensor(buffer, offset, (int[])shape.Clone(), true);
        if (clear)
            t.Span.Clear();
        return t;
    }

    /// <summary>A view of the same data with another shape of the same element count.</summary>
    public Tensor Reshape(params int[] shape)
    {
        if (Product(shape) != Length)
            throw new ArgumentException($"cannot view [{ShapeText()}] as [{string.Join(", ", shape)}]", nameof(shape));
        return new Tensor(Buffer, Offset, (int[])shape.Clone(), false);
    }

    /// <summary>A view of rows <c>[start, start+count)</c> of the leading dimension.</summary>
    public Tensor Rows(int start, int count)
    {
        var inner = _shape[0] == 0 ? 0 : Length / _shape[0];
        if (start < 0 || count < 0 || start + count > _shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"rows [{start}, {start + count}) outside [0, {_shape[0]})");
        var shape = (int[])_shape.Clone();
        shape[0] = count;
        return new Tensor(Buffer, Offset + start * inner, shape, false);
    }

    /// <summary>A copy on a fresh managed array.</summary>
    public Tensor Clone()
    {
        var t = Zeros(_shape);
        Span.CopyTo(t.Span);
        return t;
    }

    /// <summary>The elements as a new array.</summary>
    public float[] ToArray() => Span.ToArray();

    /// <summary>Shape as text, e.g. <c>8, 256</c>.</summary>
    public string ShapeText() => string.Join(", ", _shape);

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder($"Tensor[{ShapeText()}]");
        if (_buffer is not null && Length <= 8)
            sb.Append(" {").Append(string.Join(", ", Span.ToArray())).Append('}');
        return sb.ToString();
    }

    /// <summary>Gives pooled memory back; views and managed tensors only drop their reference.</summary>
    public void Dispose()
    {
        if (_buffer is not null && _ownsPooled)
            TensorPool.Return(_buffer);
        _buffer = null;
    }

    internal static int Product(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0)
                throw new ArgumentException($"negative dimension {d}");
            n *= d;
        }
        if (n > int.MaxValue)
            throw new ArgumentException($"tensor of {n} elements is larger than {int.MaxValue}");
        return (int)n;
    }
}
