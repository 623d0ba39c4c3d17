using System.Buffers.Binary;
using System.Text;

namespace R2ec.Data.Parquet.Thrift;

/// <summary>Compact-protocol wire types (the low nibble of a field header).</summary>
internal enum CompactType : byte
{
    Stop = 0, BoolTrue = 1, BoolFalse = 2, Byte = 3, I16 = 4, I32 = 5, I64 = 6, Double = 7, Binary = 8, List = 9,
    Set = 10, Map = 11, Struct = 12,
}

/// <summary>
/// Reads Thrift compact protocol from a byte span. Every length and element count is checked against the bytes that
/// remain before anything is allocated, and nesting is capped, so hostile input fails with <see cref="ParquetException"/>
/// instead of allocating or recursing without bound.
/// </summary>
internal ref struct ThriftCompactReader
{
    private const int MaxDepth = 64;
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _what;
    private int _pos;
    private int _depth;
    private short _lastFieldId;
    private readonly Stack<short> _fieldIds;
    private bool? _pendingBool;

    public ThriftCompactReader(ReadOnlySpan<byte> data, string what)
    {
        _data = data;
        _what = what;
        _pos = 0;
        _depth = 0;
        _lastFieldId = 0;
        _fieldIds = new Stack<short>();
        _pendingBool = null;
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _pos;

    public readonly int Remaining => _data.Length - _pos;

    public ParquetException Error(string problem) => new($"corrupt {_what}: {problem} at byte {_pos}");

    public void BeginStruct()
    {
        if (++_depth > MaxDepth)
            throw Error($"Thrift structures nested deeper than {MaxDepth}");
        _fieldIds.Push(_lastFieldId);
        _lastFieldId = 0;
    }

    public void EndStruct()
    {
        _depth--;
        _lastFieldId = _fieldIds.Pop();
    }

    /// <summary>Reads the next field header; returns false at the struct's stop byte.</summary>
    public bool NextField(out short id, out CompactType type)
    {
        var header = ReadByte();
        if (header == 0)
        {
            id = 0;
            type = CompactType.Stop;
            return false;
        }
        type = (CompactType)(header & 0x0F);
        var delta = header >> 4;
        id = delta != 0 ? (short)(_lastFieldId + delta) : ReadI16();
        _lastFieldId = id;
        if (type == CompactType.BoolTrue) _pendingBool = true;
        else if (type == CompactType.BoolFalse) _pendingBool = false;
        else if (type > CompactType.Struct)
            throw Error($"unknown Thrift field type {(int)type} for field {id}");
        return true;
    }

    public byte ReadByte()
    {
        if (_pos >= _data.Length)
            throw Error("unexpected end of data");
        return _data[_pos++];
    }

    public bool ReadBool()
    {
        if (_pendingBool is { } b)
        {
            _pendingBool = null;
            return b;
        }
        // Booleans inside lists are one byte each: 1 is true, anything else false.
        return ReadByte() == 1;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return result;
        }
        throw Error("varint longer than 10 bytes");
    }

    public short ReadI16()
    {
        var v = ReadI64();
        if (v is < short.MinValue or > short.MaxValue)
            throw Error($"i16 value {v} out of range");
        return (short)v;
    }

    public int ReadI32()
    {
        var v = ReadI64();
        if (v is < int.MinValue or > int.MaxValue)
            throw Error($"i32 value {v} out of range");
        return (int)v;
    }

    public long ReadI64()
    {
        var u = ReadVarint();
        return (long)(u >> 1) ^ -(long)(u & 1);
    }

    public double ReadDouble()
    {
        if (Remaining < 8)
            throw Error("unexpected end of data in a double");
        var v = BinaryPrimitives.ReadDoubleLittleEndian(_data.Slice(_pos, 8));
        _pos += 8;
        return v;
    }

    public byte[] ReadBinary()
    {
        var length = ReadVarint();
        if (length > (ulong)Remaining)
            throw Error($"binary length {length} exceeds the {Remaining} bytes left");
        var bytes = _data.Slice(_pos, (int)length).ToArray();
        _pos += (int)length;
        return bytes;
    }

    public string ReadString()
    {
        var length = ReadVarint();
        if (length > (ulong)Remaining)
            throw Error($"string length {length} exceeds the {Remaining} bytes left");
        var s = Encoding.UTF8.GetString(_data.Slice(_pos, (int)length));
        _pos += (int)length;
        return s;
    }

    /// <summary>Reads a list header; the count is checked against the bytes left (each element takes at least one byte, except booleans packed in headers which never occur in lists).</summary>
    public int ReadListHeader(out CompactType elementType)
    {
        var header = ReadByte();
        elementType = (CompactType)(header & 0x0F);
        ulong count = (ulong)(header >> 4);
        if (count == 15)
            count = ReadVarint();
        if (count > (ulong)Remaining)
            throw Error($"list of {count} elements exceeds the {Remaining} bytes left");
        return (int)count;
    }

    /// <summary>Skips a value of the given type, bounded in depth.</summary>
    public void Skip(CompactType type)
    {
        switch (type)
        {
            case CompactType.BoolTrue:
            case CompactType.BoolFalse:
                _pendingBool = null;
                break;
            case CompactType.Byte:
                ReadByte();
                break;
            case CompactType.I16:
            case CompactType.I32:
            case CompactType.I64:
                ReadVarint();
                break;
            case CompactType.Double:
                ReadDouble();
                break;
            case CompactType.Binary:
                SkipBinary();
                break;
            case CompactType.List:
            case CompactType.Set:
            {
                var n = ReadListHeader(out var et);
                Enter();
                for (var i = 0; i < n; i++)
                    SkipElement(et);
                _depth--;
                break;
            }
            case CompactType.Map:
            {
                var n = ReadVarint();
                if (n == 0) break;
                if (n > (ulong)Remaining)
                    throw Error($"map of {n} entries exceeds the {Remaining} bytes left");
                var kv = ReadByte();
                Enter();
                for (ulong i = 0; i < n; i++)
                {
                    SkipElement((CompactType)(kv >> 4));
                    SkipElement((CompactType)(kv & 0x0F));
                }
                _depth--;
                break;
            }
            case CompactType.Struct:
                BeginStruct();
                while (NextField(out _, out var ft))
                    Skip(ft);
                EndStruct();
                break;
            default:
                throw Error($"unknown Thrift type {(int)type}");
        }
    }

    private void SkipElement(CompactType type)
    {
        if (type is CompactType.BoolTrue or CompactType.BoolFalse)
            ReadByte();
        else
            Skip(type);
    }

    private void Enter()
    {
        if (++_depth > MaxDepth)
            throw Error($"Thrift structures nested deeper than {MaxDepth}");
    }

    private void SkipBinary()
    {
        var length = ReadVarint();
        if (length > (ulong)Remaining)
            throw Error($"binary length {length} exceeds the {Remaining} bytes left");
        _pos += (int)length;
    }
}
