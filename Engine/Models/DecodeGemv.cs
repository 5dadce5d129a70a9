using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cluster.Engine.Models;

/// <summary>
/// Linear layers for decode steps of one or two rows on the CPU: a matrix-vector product streamed straight from the
/// weights' storage, one SIMD dot product per output row, rows split in contiguous bands across cores. At batch 1 a
/// decode step is bound by reading the weights, and libtorch's general matrix kernels (packing, blocking) reach ~40–50%
/// of the memory bandwidth on our CPUs where this reaches ~65% (bench/Engine.Bench roofline). Larger batches and
/// other devices or types go to libtorch, whose blocking pays off there.
/// </summary>
internal static class DecodeGemv
{
    /// <summary>Most rows handled here; beyond it every weight row is reused enough for libtorch's kernels to win.</summary>
    private const int MaxRows = 2;

    /// <summary>
    /// Smallest weight (elements) worth it: below ~2 MB the work is too short to amortize waking other cores, and
    /// libtorch's single call is as fast (measured on the small bench model, where every matrix is below this).
    /// </summary>
    private const long MinElements = 512 * 1024;

    private static readonly ParallelOptions Cores = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    public static Tensor Forward(Linear linear, Tensor x) => Forward(linear.weight!, linear.bias, x, () => linear.forward(x));

    /// <summary>y = x Wᵀ (+ b) for <paramref name="x"/> [rows, in], <paramref name="weight"/> [out, in].</summary>
    public static unsafe Tensor Forward(Tensor weight, Tensor? bias, Tensor x, Func<Tensor> fallback)
    {
        if (x.shape[0] > MaxRows || x.dim() != 2 || x.dtype != ScalarType.Float32 || weight.dtype != ScalarType.Float32
            || x.device_type != DeviceType.CPU || weight.numel() < MinElements || !weight.is_contiguous() || !Vector256.IsHardwareAccelerated)
            return fallback();
        int rows = (int)x.shape[0], inputs = (int)weight.shape[1], outputs = (int)weight.shape[0];
        var input = x.contiguous();
        var y = empty([rows, outputs], ScalarType.Float32, x.device);
        float* w = (float*)StoragePointer(weight), xs = (float*)StoragePointer(input), ys = (float*)StoragePointer(y);
        int bands = Math.Min(Cores.MaxDegreeOfParallelism, Math.Max(1, outputs / 64));
        Parallel.For(0, bands, Cores, band =>
        {
            int start = (int)((long)outputs * band / bands), end = (int)((long)outputs * (band + 1) / bands);
            for (int o = start; o < end; o++)
            {
                var row = new ReadOnlySpan<float>(w + (long)o * inputs, inputs);
                for (int r = 0; r < rows; r++) ys[(long)r * outputs + o] = Dot(row, new ReadOnlySpan<float>(xs + (long)r * inputs, inputs));
            }
        });
        if (bias is not null) y.add_(bias);
        return y;
    }

    /// <summary>The tensor's storage; valid while the tensor lives (weights are never reallocated after loading).</summary>
    private static unsafe void* StoragePointer(Tensor t) => System.Runtime.CompilerServices.Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));

    internal static float Dot(ReadOnlySpan<float> row, ReadOnlySpan<float> x)
    {
        var a = MemoryMarshal.Cast<float, Vector256<float>>(row);
        var b = MemoryMarshal.Cast<float, Vector256<float>>(x);
        // Four accumulators hide the latency of dependent adds.
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        int i = 0;
        for (; i + 4 <= a.Length; i += 4)
        {
            s0 = Vector256.FusedMultiplyAdd(a[i], b[i], s0);
            s1 = Vector256.FusedMultiplyAdd(a[i + 1], b[i + 1], s1);
            s2 = Vector256.FusedMultiplyAdd(a[i + 2], b[i + 2], s2);
            s3 = Vector256.FusedMultiplyAdd(a[i + 3], b[i + 3], s3);
        }
        for (; i < a.Length; i++) s0 = Vector256.FusedMultiplyAdd(a[i], b[i], s0);
        float sum = Vector256.Sum(s0 + s1 + s2 + s3);
        for (int j = a.Length * Vector256<float>.Count; j < row.Length; j++) sum += row[j] * x[j];
        return sum;
    }
}
