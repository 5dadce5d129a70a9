namespace Cluster.Engine.ModelFiles;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">The tensor name, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions, outermost first (linear weights are [out, in]).</param>
/// <param name="DataStart">Start of the tensor's bytes, relative to the start of the data section.</param>
/// <param name="DataEnd">End (exclusive) of the tensor's bytes, relative to the start of the data section.</param>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, long[] Shape, long DataStart, long DataEnd)
{
    /// <summary>Number of bytes the tensor occupies.</summary>
    public long ByteLength => DataEnd - DataStart;

    /// <summary>Number of elements (the product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount => CountElements(Shape);

    /// <summary>The number of elements a tensor of this shape holds (1 for a scalar).</summary>
    public static long CountElements(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            count *= dim;
        }
        return count;
    }
}
