using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace Cluster.Engine.ModelFiles;

/// <summary>
/// A memory-mapped <c>.safetensors</c> file: an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range, then the raw little-endian tensor data. Nothing is copied on open; tensor bytes are
/// read straight from the mapping, so loading a checkpoint costs page faults, not a second copy in managed memory.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private const string MetadataKey = "__metadata__";

    // The format caps the header at 100 MB; anything larger is corrupt, not a huge model.
    private const long MaxHeaderBytes = 100_000_000;

    private readonly MemoryMappedFile _mapping;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _dataStart;
    private readonly long _dataLength;
    private bool _disposed;

    private SafetensorsFile(
        string path,
        MemoryMappedFile mapping,
        MemoryMappedViewAccessor view,
        byte* dataStart,
        long dataLength,
        IReadOnlyDictionary<string, SafetensorsTensorInfo> tensors,
        IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _mapping = mapping;
        _view = view;
        _dataStart = dataStart;
        _dataLength = dataLength;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The file this instance maps.</summary>
    public string Path { get; }

    /// <summary>Every tensor in the file, by name, in header order.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Maps a safetensors file read-only and parses its header.</summary>
    /// <exception cref="InvalidDataException">The header is malformed or a tensor's bytes lie outside the file.</exception>
    public static SafetensorsFile Open(string path)
    {
        // The length of what the path points to: Hugging Face's cache stores every snapshot file as a symbolic link,
        // whose own size (FileInfo.Length) is the length of the target's path.
        long fileLength;
        using (var handle = File.OpenHandle(path)) fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8)
        {
            throw new InvalidDataException($"{path}: too short for a safetensors file.");
        }
        var mapping = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        var acquired = false;
        try
        {
            view = mapping.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* basePointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePointer);
            acquired = true;
            basePointer += view.PointerOffset;

            var headerLength = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(basePointer, 8));
            if (headerLength <= 0 || headerLength > MaxHeaderBytes || 8 + headerLength > fileLength)
            {
                throw new InvalidDataException($"{path}: bad safetensors header length {headerLength}.");
            }
            var header = new ReadOnlySpan<byte>(basePointer + 8, (int)headerLength);
            var dataLength = fileLength - 8 - headerLength;
            var (tensors, metadata) = ParseHeader(header, dataLength, path);
            return new SafetensorsFile(path, mapping, view, basePointer + 8 + headerLength, dataLength, tensors, metadata);
        }
        catch
        {
            if (acquired)
            {
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            }
            view?.Dispose();
            mapping.Dispose();
            throw;
        }
    }

    /// <summary>The raw bytes of a tensor, straight from the mapping (valid until this file is disposed).</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    /// <exception cref="NotSupportedException">The tensor exceeds 2 GB; use <see cref="OpenRead"/> or <see cref="GetPointer(string, out long)"/>.</exception>
    public ReadOnlySpan<byte> GetBytes(string name) => GetBytes(GetInfo(name));

    /// <summary>The raw bytes of a tensor described by one of this file's <see cref="Tensors"/> entries.</summary>
    public ReadOnlySpan<byte> GetBytes(SafetensorsTensorInfo tensor)
    {
        var pointer = GetPointer(tensor, out var length);
        if (length > int.MaxValue)
        {
            throw new NotSupportedException($"Tensor {tensor.Name} is {length} bytes, too large for a span; use OpenRead or GetPointer.");
        }
        return new ReadOnlySpan<byte>((void*)pointer, (int)length);
    }

    /// <summary>A read-only stream over a tensor's bytes; works for tensors of any size.</summary>
    public UnmanagedMemoryStream OpenRead(string name)
    {
        var pointer = GetPointer(GetInfo(name), out var length);
        return new UnmanagedMemoryStream((byte*)pointer, length, length, FileAccess.Read);
    }

    /// <summary>The address and length of a tensor's bytes inside the mapping (valid until this file is disposed).</summary>
    public nint GetPointer(string name, out long byteLength) => GetPointer(GetInfo(name), out byteLength);

    /// <summary>The address and length of a tensor's bytes inside the mapping (valid until this file is disposed).</summary>
    public nint GetPointer(SafetensorsTensorInfo tensor, out long byteLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (tensor.DataEnd > _dataLength)
        {
            throw new ArgumentException($"Tensor {tensor.Name} does not belong to {Path}.", nameof(tensor));
        }
        byteLength = tensor.ByteLength;
        return (nint)(_dataStart + tensor.DataStart);
    }

    /// <summary>Unmaps the file; spans and streams obtained from it become invalid.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _mapping.Dispose();
    }

    private SafetensorsTensorInfo GetInfo(string name) =>
        Tensors.TryGetValue(name, out var info) ? info : throw new KeyNotFoundException($"No tensor '{name}' in {Path}.");

    private static (IReadOnlyDictionary<string, SafetensorsTensorInfo>, IReadOnlyDictionary<string, string>) ParseHeader(
        ReadOnlySpan<byte> header, long dataLength, string path)
    {
        // The header is padded with trailing spaces to align the data section; the JSON reader skips them.
        var reader = new Utf8JsonReader(header);
        using var document = JsonDocument.ParseValue(ref reader);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{path}: safetensors header is not a JSON object.");
        }

        var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.NameEquals(MetadataKey))
            {
                foreach (var entry in property.Value.EnumerateObject())
                {
                    metadata[entry.Name] = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : entry.Value.GetRawText();
                }
                continue;
            }
            var tensor = ParseTensor(property.Name, property.Value, path);
            if (tensor.DataStart < 0 || tensor.DataEnd < tensor.DataStart || tensor.DataEnd > dataLength)
            {
                throw new InvalidDataException($"{path}: tensor {tensor.Name} lies outside the file.");
            }
            if (tensor.ByteLength != tensor.ElementCount * tensor.DType.ElementSize())
            {
                throw new InvalidDataException(
                    $"{path}: tensor {tensor.Name} has {tensor.ByteLength} bytes, but its shape and dtype need {tensor.ElementCount * tensor.DType.ElementSize()}.");
            }
            tensors.Add(tensor.Name, tensor);
        }
        return (tensors, metadata);
    }

    private static SafetensorsTensorInfo ParseTensor(string name, JsonElement entry, string path)
    {
        try
        {
            var dtype = SafetensorsDTypes.Parse(entry.GetProperty("dtype").GetString() ?? "");
            var shapeElement = entry.GetProperty("shape");
            var shape = new long[shapeElement.GetArrayLength()];
            var i = 0;
            foreach (var dim in shapeElement.EnumerateArray())
            {
                shape[i++] = dim.GetInt64();
            }
            var offsets = entry.GetProperty("data_offsets");
            return new SafetensorsTensorInfo(name, dtype, shape, offsets[0].GetInt64(), offsets[1].GetInt64());
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException)
        {
            throw new InvalidDataException($"{path}: malformed header entry for tensor {name}.", e);
        }
    }
}
