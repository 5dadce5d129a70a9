using System.Runtime.InteropServices;
using Cluster.Engine.ModelFiles;
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
    public static Tensor ToFloat32(Tensor rows)
    {
        var source = rows.contiguous();
        var result = empty(rows.shape, ScalarType.Float32, rows.device);
        // The checkpoint loader's conversion: the same bits as libtorch's cast, vectorized.
        TensorDataConverter.ToFloat32(source.bytes, source.dtype == ScalarType.Float16 ? SafetensorsDType.F16 : SafetensorsDType.BF16,
            MemoryMarshal.Cast<byte, float>(result.bytes));
        if (!ReferenceEquals(source, rows)) source.Dispose();
        return result;
    }
}
