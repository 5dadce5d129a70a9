using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cluster.Engine.Models;

/// <summary>
/// The engine's linear layers. Decode steps of one or two rows on the CPU take a matrix-vector product streamed
/// straight from the weights' storage, one SIMD dot product per output row, rows split in contiguous bands across
/// cores: at batch 1 a decode step is bound by reading the weights, and libtorch's general matrix kernels (packing,
/// blocking) reach ~40–50% of the memory bandwidth on our CPUs where this reaches ~65% (bench/Engine.Bench roofline).
/// Weights stored in bf16 (<c>--dtype bfloat16</c> on the CPU) are widened to fp32 in registers, so such a step reads
/// half the bytes. Batches of 3–32 rows take <see cref="SmallBatchGemm"/>'s register-blocked AVX-512 kernel, which at
/// batch 16 ran the roofline model's decode 1.9× faster than libtorch's GEMM; prefill chunks and other devices go to
/// libtorch, whose packing and blocking pay off there.
/// </summary>
internal static class DecodeGemv
{
    /// <summary>Most rows handled by the matrix-vector product; beyond it the small-batch kernel reuses each weight row better.</summary>
    private const int MaxRows = 2;

    /// <summary>
    /// Smallest weight (elements) worth it: below ~2 MB the work is too short to amortize waking other cores, and
    /// libtorch's single call is as fast (measured on the small bench model, where every matrix is below this).
    /// </summary>
    private const long MinElements = 512 * 1024;

    /// <summary>Batches of 3–32 rows take <see cref="SmallBatchGemm"/> (off: libtorch; the benchmark compares both).</summary>
    internal static bool SmallBatchKernel { get; set; } = true;

    private static readonly ParallelOptions Cores = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    public static Tensor Forward(Linear linear, Tensor x) => Forward(linear.weight!, linear.bias, x);

    /// <summary>y = x Wᵀ (+ b) for <paramref name="x"/> [rows, in], <paramref name="weight"/> [out, in]; y has <paramref name="x"/>'s type.</summary>
    public static unsafe Tensor Forward(Tensor weight, Tensor? bias, Tensor x)
    {
        bool bf16 = weight.dtype == ScalarType.BFloat16;
        // What both kernels need: fp32 activations on the CPU, fp32 or bf16 weights in one block, large enough to split.
        if (x.dim() != 2 || x.dtype != ScalarType.Float32 || (weight.dtype != ScalarType.Float32 && !bf16) || x.device_type != DeviceType.CPU
            || weight.numel() < MinElements || !weight.is_contiguous())
            return Libtorch(weight, bias, x);
        int rows = (int)x.shape[0], inputs = (int)weight.shape[1], outputs = (int)weight.shape[0];
        if (rows > MaxRows)
            return SmallBatchKernel && SmallBatchGemm.Supports(rows, inputs) ? SmallBatch(weight, bias, x) : Libtorch(weight, bias, x);
        if (!Vector256.IsHardwareAccelerated) return Libtorch(weight, bias, x);
        var input = x.contiguous();
        var y = empty([rows, outputs], ScalarType.Float32, x.device);
        void* w = StoragePointer(weight);
        float* xs = (float*)StoragePointer(input), ys = (float*)StoragePointer(y);
        int bands = Math.Min(Cores.MaxDegreeOfParallelism, Math.Max(1, outputs / 64));
        Parallel.For(0, bands, Cores, band =>
        {
            int start = (int)((long)outputs * band / bands), end = (int)((long)outputs * (band + 1) / bands);
            for (int o = start; o < end; o++)
            {
                for (int r = 0; r < rows; r++)
                {
                    var xr = new ReadOnlySpan<float>(xs + (long)r * inputs, inputs);
                    ys[(long)r * outputs + o] = bf16
                        ? DotBf16(new ReadOnlySpan<ushort>((ushort*)w + (long)o * inputs, inputs), xr)
                        : Dot(new ReadOnlySpan<float>((float*)w + (long)o * inputs, inputs), xr);
                }
            }
        });
        if (bias is not null) y.add_(bias);
        return y;
    }

    private static unsafe Tensor SmallBatch(Tensor weight, Tensor? bias, Tensor x)
    {
        int rows = (int)x.shape[0], inputs = (int)weight.shape[1], outputs = (int)weight.shape[0];
        var input = x.contiguous();
        var y = empty([rows, outputs], ScalarType.Float32, x.device);
        SmallBatchGemm.Multiply(StoragePointer(weight), weight.dtype == ScalarType.BFloat16, (float*)StoragePointer(input), (float*)StoragePointer(y), rows, inputs, outputs, Cores);
        return bias is null ? y : y.add_(bias);
    }

    /// <summary>
    /// libtorch's product. Weights stored narrower than the activations (bf16 weights, fp32 activations on the CPU) are
    /// multiplied in the weights' type, as oneDNN's bf16 kernels do fastest, and the result comes back in fp32.
    /// </summary>
    private static Tensor Libtorch(Tensor weight, Tensor? bias, Tensor x)
    {
        if (weight.dtype == x.dtype) return nn.functional.linear(x, weight, bias);
        var y = nn.functional.linear(x.to(weight.dtype), weight).to(x.dtype);
        return bias is null ? y : y.add_(bias);
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

    /// <summary>
    /// A dot product of bf16 weights with fp32 activations: a bf16 value is the top half of an fp32 one, so widening
    /// 16 of them to 32 bits and shifting left by 16 gives exact fp32 values to multiply in fp32.
    /// </summary>
    internal static float DotBf16(ReadOnlySpan<ushort> row, ReadOnlySpan<float> x)
    {
        var a = MemoryMarshal.Cast<ushort, Vector256<ushort>>(row);
        var b = MemoryMarshal.Cast<float, Vector256<float>>(x);
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        int i = 0;
        for (; i + 2 <= a.Length; i += 2)
        {
            var (lower0, upper0) = Vector256.Widen(a[i]);
            var (lower1, upper1) = Vector256.Widen(a[i + 1]);
            s0 = Vector256.FusedMultiplyAdd(Vector256.ShiftLeft(lower0, 16).AsSingle(), b[2 * i], s0);
            s1 = Vector256.FusedMultiplyAdd(Vector256.ShiftLeft(upper0, 16).AsSingle(), b[2 * i + 1], s1);
            s2 = Vector256.FusedMultiplyAdd(Vector256.ShiftLeft(lower1, 16).AsSingle(), b[2 * i + 2], s2);
            s3 = Vector256.FusedMultiplyAdd(Vector256.ShiftLeft(upper1, 16).AsSingle(), b[2 * i + 3], s3);
        }
        for (; i < a.Length; i++)
        {
            var (lower, upper) = Vector256.Widen(a[i]);
            s0 = Vector256.FusedMultiplyAdd(Vector256.ShiftLeft(lower, 16).AsSingle(), b[2 * i], s0);
            s1 = Vector256.FusedMultiplyAdd(Vector256.ShiftLeft(upper, 16).AsSingle(), b[2 * i + 1], s1);
        }
        float sum = Vector256.Sum(s0 + s1 + s2 + s3);
        for (int j = a.Length * Vector256<ushort>.Count; j < row.Length; j++) sum += BitConverter.UInt32BitsToSingle((uint)row[j] << 16) * x[j];
        return sum;
    }
}
