using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Cluster.Engine.ModelFiles;

namespace Cluster.Engine.Tests;

public class ModelFilesSafetensorsTests
{
    // Values exactly representable in F16 and BF16 (small dyadic fractions), so every dtype round-trips exactly.
    private static readonly float[] Exact = [0f, 1f, -2.5f, 0.125f, 3.75f, -0.0078125f, 100f, 6f];

    [Theory]
    [InlineData(SafetensorsDType.F32)]
    [InlineData(SafetensorsDType.F16)]
    [InlineData(SafetensorsDType.BF16)]
    public void Float_tensors_round_trip(SafetensorsDType dtype)
    {
        using var dir = new TemporaryDirectory();
        var path = dir.File("t.safetensors");
        var writer = new SafetensorsWriter();
        writer.Add("a.weight", dtype, [2, 4], Exact);
        writer.Add("b.bias", dtype, [3], values => values.Fill(0.5f));
        writer.Metadata["note"] = "test";
        writer.Write(path);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["a.weight", "b.bias"], file.Tensors.Keys);
        var a = file.Tensors["a.weight"];
        Assert.Equal(dtype, a.DType);
        Assert.Equal(new long[] { 2, 4 }, a.Shape);
        Assert.Equal(8L, a.ElementCount);
        Assert.Equal(8 * dtype.ElementSize(), a.ByteLength);
        Assert.Equal(Exact, TensorDataConverter.ToFloat32(file.GetBytes("a.weight"), dtype));
        Assert.Equal([0.5f, 0.5f, 0.5f], TensorDataConverter.ToFloat32(file.GetBytes("b.bias"), dtype));
        Assert.Equal("test", file.Metadata["note"]);
        Assert.Equal("pt", file.Metadata["format"]);

        using var stream = file.OpenRead("a.weight");
        var streamed = new byte[stream.Length];
        stream.ReadExactly(streamed);
        Assert.Equal(file.GetBytes("a.weight").ToArray(), streamed);
    }

    [Fact]
    public void A_file_reached_through_a_symbolic_link_opens_as_its_target()
    {
        // As in Hugging Face's cache: snapshots/<rev>/model.safetensors -> ../../blobs/<hash>.
        using var dir = new TemporaryDirectory();
        var blob = dir.File("blob");
        var writer = new SafetensorsWriter();
        writer.Add("a.weight", SafetensorsDType.F32, [2, 4], Exact);
        writer.Write(blob);
        var link = dir.File("model.safetensors");
        File.CreateSymbolicLink(link, blob);

        using var file = SafetensorsFile.Open(link);
        Assert.Equal([2L, 4L], file.Tensors["a.weight"].Shape);
    }

    [Fact]
    public void File_layout_follows_the_format()
    {
        using var dir = new TemporaryDirectory();
        var path = dir.File("t.safetensors");
        var writer = new SafetensorsWriter();
        writer.Add("x", SafetensorsDType.F32, [2], [1f, 2f]);
        writer.AddRaw("ids", SafetensorsDType.I64, [2], MemoryMarshalBytes([7L, -1L]));
        writer.Write(path);

        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + headerLength) % 8);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength).TrimEnd(' '));
        Assert.Equal("F32", header.RootElement.GetProperty("x").GetProperty("dtype").GetString());
        Assert.Equal([0, 8], header.RootElement.GetProperty("x").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([8, 24], header.RootElement.GetProperty("ids").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(1f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + headerLength)));
        Assert.Equal(8 + headerLength + 24, bytes.Length);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(-1L, BinaryPrimitives.ReadInt64LittleEndian(file.GetBytes("ids")[8..]));
    }

    [Fact]
    public void Bfloat16_rounds_to_nearest_even()
    {
        // 1 + 2^-8 lies exactly between two bfloat16 values (1 and 1 + 2^-7): ties go to the even one, 1.
        Assert.Equal(0x3F80, TensorDataConverter.ToBFloat16Bits(1f + 1f / 256));
        // Just above the midpoint rounds up.
        Assert.Equal(0x3F81, TensorDataConverter.ToBFloat16Bits(1f + 1f / 256 + 1f / 65536));
        Assert.Equal(0x3F81, TensorDataConverter.ToBFloat16Bits(1f + 1f / 128));
        Assert.True(float.IsNaN(TensorDataConverter.ToFloat32(BitConverter.GetBytes(TensorDataConverter.ToBFloat16Bits(float.NaN)), SafetensorsDType.BF16)[0]));
        Assert.Equal(float.PositiveInfinity, TensorDataConverter.ToFloat32(BitConverter.GetBytes(TensorDataConverter.ToBFloat16Bits(float.PositiveInfinity)), SafetensorsDType.BF16)[0]);
    }

    [Fact]
    public void Sharded_checkpoint_is_read_through_its_index()
    {
        using var dir = new TemporaryDirectory();
        new SafetensorsWriter().Add("a", SafetensorsDType.F32, [2], [1f, 2f]).Add("b", SafetensorsDType.BF16, [1], [3f]).Write(dir.File("model-00001-of-00002.safetensors"));
        new SafetensorsWriter().Add("c", SafetensorsDType.F16, [2, 1], [4f, 5f]).Write(dir.File("model-00002-of-00002.safetensors"));
        File.WriteAllText(dir.File(ModelWeights.IndexFileName), """
            {"metadata": {"total_size": 14}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}
            """);

        using var weights = ModelWeights.Open(dir.Path);
        Assert.Equal(["a", "b", "c"], weights.Names.Order());
        Assert.Equal([1f, 2f], weights.ReadFloat32("a"));
        Assert.Equal([3f], weights.ReadFloat32("b"));
        Assert.Equal([4f, 5f], weights.ReadFloat32("c"));
        Assert.True(weights.TryGetTensor("c", out var info, out var file));
        Assert.Equal(new long[] { 2, 1 }, info.Shape);
        Assert.EndsWith("model-00002-of-00002.safetensors", file.Path);
        Assert.False(weights.TryGetTensor("missing", out _, out _));
    }

    [Fact]
    public void Index_naming_a_tensor_its_shard_lacks_is_rejected()
    {
        using var dir = new TemporaryDirectory();
        new SafetensorsWriter().Add("a", SafetensorsDType.F32, [1], [1f]).Write(dir.File("s1.safetensors"));
        File.WriteAllText(dir.File(ModelWeights.IndexFileName), """{"weight_map": {"a": "s1.safetensors", "b": "s1.safetensors"}}""");
        var error = Assert.Throws<InvalidDataException>(() => ModelWeights.Open(dir.Path));
        Assert.Contains("b", error.Message);
    }

    [Fact]
    public void Corrupt_files_are_rejected()
    {
        using var dir = new TemporaryDirectory();
        var path = dir.File("bad.safetensors");

        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));

        var header = """{"x": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"""u8.ToArray();
        var truncated = new byte[8 + header.Length + 8];
        BinaryPrimitives.WriteUInt64LittleEndian(truncated, (ulong)header.Length);
        header.CopyTo(truncated, 8);
        File.WriteAllBytes(path, truncated);
        Assert.Contains("outside", Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path)).Message);

        var mismatch = """{"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"""u8.ToArray();
        var file = new byte[8 + mismatch.Length + 8];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)mismatch.Length);
        mismatch.CopyTo(file, 8);
        File.WriteAllBytes(path, file);
        Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
    }

    private static byte[] MemoryMarshalBytes(long[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        }
        return bytes;
    }
}
