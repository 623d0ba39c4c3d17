using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace R2ec.Tensors.SafeTensors;

/// <summary>
/// A memory-mapped safetensors file (8-byte little-endian header length, JSON header, raw little-endian data).
/// The header is checked completely on open; tensors are read on demand, F32 as is and F16/BF16 widened to float32.
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    private const long MaxHeader = 100L << 20;
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _tensors;
    private bool _pointerHeld;

    private SafeTensorsFile(string path)
    {
        FilePath = path;
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; this machine is not");
        var length = new FileInfo(path).Length;
        if (length < 8)
            throw new SafeTensorsException(path, $"file of {length} bytes is too short for the 8-byte header length");
        _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        try
        {
            _view = _map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* ptr = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref ptr);
            _pointerHeld = true;
            _base = ptr + _view.PointerOffset;
            var headerLength = *(long*)_base;
            if (headerLength <= 0 || headerLength > MaxHeader || headerLength > length - 8)
                throw new SafeTensorsException(path, $"header length {headerLength} does not fit the file of {length} bytes");
            _dataStart = 8 + headerLength;
            DataLength = length - _dataStart;
            var header = new ReadOnlySpan<byte>(_base + 8, (int)headerLength);
            (_tensors, Metadata) = ParseHeader(path, header, DataLength);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }

    /// <summary>Bytes of the data section.</summary>
    public long DataLength { get; }

    /// <summary>The <c>__metadata__</c> strings (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensor names in header order.</summary>
    public IReadOnlyCollection<string> Names => _tensors.Keys;

    /// <summary>Opens and validates <paramref name="path"/>.</summary>
    /// <exception cref="SafeTensorsException">The header is malformed or an entry lies outside the data.</exception>
    public static SafeTensorsFile Open(string path) => new(path);

    /// <summary>Whether a tensor of that name exists.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The header entry of <paramref name="name"/>.</summary>
    public SafeTensorInfo Info(string name) =>
        _tensors.TryGetValue(name, out var info) ? info : throw new SafeTensorsException(FilePath, $"no tensor named '{name}'");

    /// <summary>Reads a tensor as float32 on a fresh array.</summary>
    public Tensor ReadF32(string name)
    {
        var info = Info(name);
        var t = Tensor.Zeros(info.Shape);
        ReadInto(name, t.Span);
        return t;
    }

    /// <summary>Reads a F32, F16 or BF16 tensor into <paramref name="destination"/> (exactly its element count).</summary>
    public void ReadInto(string name, Span<float> destination)
    {
        var info = Info(name);
        if (destination.Length != info.ElementCount)
            throw new SafeTensorsException(FilePath, $"tensor '{name}' has {info.ElementCount} elements, destination has {destination.Length}");
        var src = _base + _dataStart + info.Begin;
        var n = destination.Length;
        switch (info.DType)
        {
            case "F32":
                new ReadOnlySpan<float>(src, n).CopyTo(destination);
                break;
            case "F16":
                var half = new ReadOnlySpan<Half>(src, n);
                for (var i = 0; i < n; i++)
                    destination[i] = (float)half[i];
                break;
            case "BF16":
                var raw = new ReadOnlySpan<ushort>(src, n);
                for (var i = 0; i < n; i++)
                    destination[i] = BitConverter.Int32BitsToSingle(raw[i] << 16);
                break;
            default:
                throw new SafeTensorsException(FilePath, $"tensor '{name}' has dtype {info.DType}; only F32, F16 and BF16 can be read as float");
        }
    }

    private static (Dictionary<string, SafeTensorInfo>, Dictionary<string, string>) ParseHeader(string path, ReadOnlySpan<byte> header, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header.ToArray());
        }
        catch (JsonException e)
        {
            throw new SafeTensorsException(path, $"header is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new SafeTensorsException(path, "header is not a JSON object");
            var tensors = new Dictionary<string, SafeTensorInfo>();
            var metadata = new Dictionary<string, string>();
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    foreach (var m in prop.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                    continue;
                }
                tensors[prop.Name] = ParseEntry(path, prop.Name, prop.Value, dataLength);
            }
            return (tensors, metadata);
        }
    }

    private static SafeTensorInfo ParseEntry(string path, string name, JsonElement e, long dataLength)
    {
        try
        {
            var dtype = e.GetProperty("dtype").GetString() ?? "";
            var shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            var offsets = e.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (offsets.Length != 2)
                throw new SafeTensorsException(path, $"tensor '{name}': data_offsets must hold [begin, end]");
            if (shape.Any(d => d < 0))
                throw new SafeTensorsException(path, $"tensor '{name}': negative dimension in shape [{string.Join(", ", shape)}]");
            var info = new SafeTensorInfo(name, dtype, shape, offsets[0], offsets[1]);
            if (info.Begin < 0 || info.End < info.Begin || info.End > dataLength)
                throw new SafeTensorsException(path, $"tensor '{name}': data_offsets [{info.Begin}, {info.End}] lie outside the {dataLength}-byte data section");
            var size = SafeTensorInfo.ElementSize(dtype);
            if (size == 0)
                throw new SafeTensorsException(path, $"tensor '{name}': unknown dtype '{dtype}'");
            if (info.End - info.Begin != info.ElementCount * size)
                throw new SafeTensorsException(path, $"tensor '{name}': {info.End - info.Begin} bytes for {info.ElementCount} elements of {dtype}");
            return info;
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new SafeTensorsException(path, $"tensor '{name}': header entry needs dtype, shape and data_offsets ({ex.Message})", ex);
        }
    }

    /// <summary>Unmaps the file.</summary>
    public void Dispose()
    {
        if (_pointerHeld)
        {
            _view!.SafeMemoryMappedViewHandle.ReleasePointer();
            _pointerHeld = false;
        }
        _view?.Dispose();
        _map?.Dispose();
    }
}
