using System.Text;
using System.Text.Json;

namespace Cluster.Engine.ModelFiles;

/// <summary>
/// Builds a <c>.safetensors</c> file. Tensors are described up front and their values produced one at a time while
/// writing, so a checkpoint larger than memory comfortably holds is streamed rather than assembled.
/// </summary>
public sealed class SafetensorsWriter
{
    // The data section starts 8-byte aligned (the header is padded with spaces), as the reference writer does.
    private const int HeaderAlignment = 8;

    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>The header's <c>__metadata__</c> entries (Hugging Face writes <c>{"format": "pt"}</c>).</summary>
    public IDictionary<string, string> Metadata { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };

    /// <summary>Number of tensors added so far.</summary>
    public int Count => _tensors.Count;

    /// <summary>Adds a floating-point tensor whose values <paramref name="fill"/> writes when the file is written.</summary>
    /// <param name="name">Tensor name.</param>
    /// <param name="dtype">Storage type: F32, BF16 or F16 (values are rounded to it).</param>
    /// <param name="shape">Dimensions, outermost first.</param>
    /// <param name="fill">Receives a buffer of <c>product(shape)</c> floats to fill.</param>
    public SafetensorsWriter Add(string name, SafetensorsDType dtype, long[] shape, Action<Span<float>> fill)
    {
        if (dtype is not (SafetensorsDType.F32 or SafetensorsDType.BF16 or SafetensorsDType.F16))
        {
            throw new ArgumentException($"Float tensors are stored as F32, BF16 or F16, not {dtype}.", nameof(dtype));
        }
        return Add(new PendingTensor(name, dtype, shape, fill, null));
    }

    /// <summary>Adds a floating-point tensor from values in memory (copied now).</summary>
    public SafetensorsWriter Add(string name, SafetensorsDType dtype, long[] shape, ReadOnlySpan<float> values)
    {
        var copy = values.ToArray();
        return Add(name, dtype, shape, destination => copy.CopyTo(destination));
    }

    /// <summary>Adds a tensor of any dtype from its raw little-endian bytes (copied now).</summary>
    public SafetensorsWriter AddRaw(string name, SafetensorsDType dtype, long[] shape, ReadOnlySpan<byte> data) =>
        Add(new PendingTensor(name, dtype, shape, null, data.ToArray()));

    /// <summary>Writes the file (replacing any existing one) and returns the size of its tensor data in bytes.</summary>
    public long Write(string path)
    {
        var header = BuildHeader(out var dataLength);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> lengthPrefix = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(lengthPrefix, (ulong)header.Length);
        stream.Write(lengthPrefix);
        stream.Write(header);
        foreach (var tensor in _tensors)
        {
            WriteData(stream, tensor);
        }
        return dataLength;
    }

    private SafetensorsWriter Add(PendingTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor.Shape);
        if (tensor.Name == "__metadata__" || !_names.Add(tensor.Name))
        {
            throw new ArgumentException($"Tensor name '{tensor.Name}' is reserved or already added.", nameof(tensor));
        }
        if (tensor.Shape.Any(d => d < 0))
        {
            throw new ArgumentException($"Tensor {tensor.Name} has a negative dimension.", nameof(tensor));
        }
        if (tensor.Raw is not null && tensor.Raw.LongLength != SafetensorsTensorInfo.CountElements(tensor.Shape) * tensor.DType.ElementSize())
        {
            throw new ArgumentException($"Tensor {tensor.Name}: {tensor.Raw.Length} bytes do not match its shape and dtype.", nameof(tensor));
        }
        _tensors.Add(tensor);
        return this;
    }

    private byte[] BuildHeader(out long dataLength)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (Metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in Metadata)
                {
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var tensor in _tensors)
            {
                var length = SafetensorsTensorInfo.CountElements(tensor.Shape) * tensor.DType.ElementSize();
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType.ToString());
                json.WriteStartArray("shape");
                foreach (var dim in tensor.Shape)
                {
                    json.WriteNumberValue(dim);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += length;
            }
            json.WriteEndObject();
            dataLength = offset;
        }
        var padding = (HeaderAlignment - (int)(buffer.Length % HeaderAlignment)) % HeaderAlignment;
        buffer.Write(Encoding.ASCII.GetBytes(new string(' ', padding)));
        return buffer.ToArray();
    }

    private static void WriteData(Stream stream, PendingTensor tensor)
    {
        if (tensor.Raw is not null)
        {
            stream.Write(tensor.Raw);
            return;
        }
        var values = new float[SafetensorsTensorInfo.CountElements(tensor.Shape)];
        tensor.Fill!(values);
        // Convert in slices so that a large tensor needs one float buffer, not a second full-size byte buffer.
        const int Slice = 1 << 16;
        var bytes = new byte[Slice * tensor.DType.ElementSize()];
        for (var start = 0; start < values.Length; start += Slice)
        {
            var part = values.AsSpan(start, Math.Min(Slice, values.Length - start));
            var byteCount = part.Length * tensor.DType.ElementSize();
            TensorDataConverter.FromFloat32(part, tensor.DType, bytes.AsSpan(0, byteCount));
            stream.Write(bytes, 0, byteCount);
        }
    }

    private sealed record PendingTensor(string Name, SafetensorsDType DType, long[] Shape, Action<Span<float>>? Fill, byte[]? Raw);
}
