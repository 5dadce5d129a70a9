using System.Numerics.Tensors;
using Tensor = TorchSharp.torch.Tensor;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace Cluster.Engine.KvCache;

/// <summary>
/// Widens gathered 16-bit KV rows to fp32 on the calling thread. libtorch's <c>to_type</c> does the same conversion but
/// hands a copy of this size (a decode's cached positions, twice per layer per step) to its OpenMP workers, and with
/// passive workers (the engine's default) waking them costs more than converting: with it, batch-1 decode with the
/// default 16-bit cache ran slower than with an fp32 one, although it reads half the KV bytes.
/// </summary>
internal static class KvRowWidening
{
    /// <summary>A new fp32 tensor of <paramref name="rows"/>' shape (a CPU tensor of fp16 or bf16 values).</summary>
    public static unsafe Tensor ToFloat32(Tensor rows)
    {
        var source = rows.contiguous();
        var result = empty(rows.shape, ScalarType.Float32, rows.device);
        var from = MemoryMarshal.Cast<byte, ushort>(source.bytes);
        var to = MemoryMarshal.Cast<byte, float>(result.bytes);
        if (source.dtype == ScalarType.Float16) TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<ushort, Half>(from), to);
        else WidenBFloat16(from, to);
        if (!ReferenceEquals(source, rows)) source.Dispose();
        return result;
    }

    /// <summary>bf16 is the top half of an fp32: widening is a 16-bit shift.</summary>
    internal static void WidenBFloat16(ReadOnlySpan<ushort> from, Span<float> to)
    {
        var vectors = MemoryMarshal.Cast<ushort, Vector256<ushort>>(from);
        var output = MemoryMarshal.Cast<float, Vector256<float>>(to);
        for (int i = 0; i < vectors.Length; i++)
        {
            var (lower, upper) = Vector256.Widen(vectors[i]);
            output[2 * i] = Vector256.ShiftLeft(lower, 16).AsSingle();
            output[2 * i + 1] = Vector256.ShiftLeft(upper, 16).AsSingle();
        }
        for (int j = vectors.Length * Vector256<ushort>.Count; j < from.Length; j++) to[j] = BitConverter.UInt32BitsToSingle((uint)from[j] << 16);
    }
}
