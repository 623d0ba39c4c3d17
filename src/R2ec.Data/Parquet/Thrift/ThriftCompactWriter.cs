using System.Text;

namespace R2ec.Data.Parquet.Thrift;

/// <summary>Writes Thrift compact protocol into a growable buffer; field ids must ascend within a struct.</summary>
internal sealed class ThriftCompactWriter
{
    private readonly MemoryStream _out = new();
    private readonly Stack<short> _lastIds = new();
    private short _lastId;

    public byte[] ToArray() => _out.ToArray();

    public void BeginStruct()
    {
        _lastIds.Push(_lastId);
        _lastId = 0;
    }

    public void EndStruct()
    {
        _out.WriteByte(0);
        _lastId = _lastIds.Pop();
    }

    private void FieldHeader(short id, CompactType type)
    {
        var delta = id - _lastId;
        if (delta is > 0 and <= 15)
            _out.WriteByte((byte)((delta << 4) | (int)type));
        else
        {
            _out.WriteByte((byte)type);
            WriteZigZag(id);
        }
        _lastId = id;
    }

    public void Bool(short id, bool value) => FieldHeader(id, value ? CompactType.BoolTrue : CompactType.BoolFalse);

    public void I32(short id, int value)
    {
        FieldHeader(id, CompactType.I32);
        WriteZigZag(value);
    }

    public void I64(short id, long value)
    {
        FieldHeader(id, CompactType.I64);
        WriteZigZag(value);
    }

    public void Binary(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, CompactType.Binary);
        WriteVarint((ulong)value.Length);
        _out.Write(value);
    }

    public void String(short id, string value) => Binary(id, Encoding.UTF8.GetBytes(value));

    /// <summary>Starts a struct-valued field; close it with <see cref="EndStruct"/>.</summary>
    public void StructField(short id)
    {
        FieldHeader(id, CompactType.Struct);
        BeginStruct();
    }

    public void ListHeader(short id, CompactType elementType, int count)
    {
        FieldHeader(id, CompactType.List);
        if (count < 15)
            _out.WriteByte((byte)((count << 4) | (int)elementType));
        else
        {
            _out.WriteByte((byte)(0xF0 | (int)elementType));
            WriteVarint((ulong)count);
        }
    }

    public void ListI32(int value) => WriteZigZag(value);

    public void ListString(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteVarint((ulong)bytes.Length);
        _out.Write(bytes);
    }

    private void WriteZigZag(long value) => WriteVarint((ulong)((value << 1) ^ (value >> 63)));

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _out.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _out.WriteByte((byte)value);
    }
}
