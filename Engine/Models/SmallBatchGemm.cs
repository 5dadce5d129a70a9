using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cluster.Engine.Models;

/// <summary>
/// y = x Wᵀ for a few rows of x (a decode step of 3–32 sequences) with fp32 or bf16 weights, on AVX-512: each 4 × 4 block of
/// outputs keeps its 16 running sums in registers while 4 weight rows and 4 input rows stream past, so every vector
/// loaded feeds four fused multiply-adds, and each weight row is read from memory once per step and from cache by the
/// other row groups. bf16 weights are widened to fp32 in registers (a shift), so they cost half the bytes and the
/// arithmetic stays fp32. Output rows are split into contiguous bands across cores, as in <see cref="DecodeGemv"/>.
/// </summary>
internal static class SmallBatchGemm
{
    public const int MinRows = 3, MaxRows = 32;

    /// <summary>Whether this CPU and these sizes take the kernel (16-float vectors; rows of whole vectors).</summary>
    public static bool Supports(int rows, int inputs) =>
        Vector512.IsHardwareAccelerated && rows is >= MinRows and <= MaxRows && inputs % Vector512<float>.Count == 0;

    /// <param name="w">[outputs, inputs] row-major, fp32 (or bf16 bits when <paramref name="bf16"/>).</param>
    /// <param name="x">[rows, inputs] row-major.</param>
    /// <param name="y">[rows, outputs] row-major, written.</param>
    public static unsafe void Multiply(void* w, bool bf16, float* x, float* y, int rows, int inputs, int outputs, ParallelOptions cores)
    {
        if (bf16) Multiply<Bf16Weights>((byte*)w, x, y, rows, inputs, outputs, cores);
        else Multiply<Fp32Weights>((byte*)w, x, y, rows, inputs, outputs, cores);
    }

    private static unsafe void Multiply<T>(byte* w, float* x, float* y, int rows, int inputs, int outputs, ParallelOptions cores) where T : IWeights
    {
        // Bands of whole 4-row weight blocks, so only the last band has a partial block.
        int blocks = (outputs + 3) / 4;
        int bands = Math.Min(cores.MaxDegreeOfParallelism, Math.Max(1, blocks / 8));
        long rowBytes = (long)inputs * T.ElementSize;
        Parallel.For(0, bands, cores, band =>
        {
            int start = (int)((long)blocks * band / bands) * 4, end = Math.Min(outputs, (int)((long)blocks * (band + 1) / bands) * 4);
            for (int o = start; o < end; o += 4)
            {
                int ob = Math.Min(4, end - o);
                for (int r = 0; r < rows; r += 4)
                {
                    int rb = Math.Min(4, rows - r);
                    byte* wo = w + o * rowBytes;
                    float* xr = x + (long)r * inputs, yr = y + (long)r * outputs + o;
                    if (ob == 4 && rb == 4) Block4x4<T>(wo, rowBytes, xr, yr, inputs, outputs);
                    else Edge<T>(wo, rowBytes, xr, yr, inputs, outputs, rb, ob);
                }
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block4x4<T>(byte* w, long rowBytes, float* x, float* y, int inputs, int outputs) where T : IWeights
    {
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default;
        Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default;
        Vector512<float> s30 = default, s31 = default, s32 = default, s33 = default;
        byte* w1 = w + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        float* x1 = x + inputs, x2 = x1 + inputs, x3 = x2 + inputs;
        for (int i = 0; i < inputs; i += 16)
        {
            var a0 = T.Load(w, i); var a1 = T.Load(w1, i); var a2 = T.Load(w2, i); var a3 = T.Load(w3, i);
            var b = Vector512.Load(x + i);
            s00 = Vector512.FusedMultiplyAdd(a0, b, s00); s01 = Vector512.FusedMultiplyAdd(a1, b, s01);
            s02 = Vector512.FusedMultiplyAdd(a2, b, s02); s03 = Vector512.FusedMultiplyAdd(a3, b, s03);
            b = Vector512.Load(x1 + i);
            s10 = Vector512.FusedMultiplyAdd(a0, b, s10); s11 = Vector512.FusedMultiplyAdd(a1, b, s11);
            s12 = Vector512.FusedMultiplyAdd(a2, b, s12); s13 = Vector512.FusedMultiplyAdd(a3, b, s13);
            b = Vector512.Load(x2 + i);
            s20 = Vector512.FusedMultiplyAdd(a0, b, s20); s21 = Vector512.FusedMultiplyAdd(a1, b, s21);
            s22 = Vector512.FusedMultiplyAdd(a2, b, s22); s23 = Vector512.FusedMultiplyAdd(a3, b, s23);
            b = Vector512.Load(x3 + i);
            s30 = Vector512.FusedMultiplyAdd(a0, b, s30); s31 = Vector512.FusedMultiplyAdd(a1, b, s31);
            s32 = Vector512.FusedMultiplyAdd(a2, b, s32); s33 = Vector512.FusedMultiplyAdd(a3, b, s33);
        }
        y[0] = Vector512.Sum(s00); y[1] = Vector512.Sum(s01); y[2] = Vector512.Sum(s02); y[3] = Vector512.Sum(s03);
        y += outputs;
        y[0] = Vector512.Sum(s10); y[1] = Vector512.Sum(s11); y[2] = Vector512.Sum(s12); y[3] = Vector512.Sum(s13);
        y += outputs;
        y[0] = Vector512.Sum(s20); y[1] = Vector512.Sum(s21); y[2] = Vector512.Sum(s22); y[3] = Vector512.Sum(s23);
        y += outputs;
        y[0] = Vector512.Sum(s30); y[1] = Vector512.Sum(s31); y[2] = Vector512.Sum(s32); y[3] = Vector512.Sum(s33);
    }

    /// <summary>A partial block at the end of the rows or of a band: one dot product per output.</summary>
    private static unsafe void Edge<T>(byte* w, long rowBytes, float* x, float* y, int inputs, int outputs, int rows, int columns) where T : IWeights
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                Vector512<float> sum = default;
                byte* wr = w + c * rowBytes;
                float* xr = x + (long)r * inputs;
                for (int i = 0; i < inputs; i += 16) sum = Vector512.FusedMultiplyAdd(T.Load(wr, i), Vector512.Load(xr + i), sum);
                y[(long)r * outputs + c] = Vector512.Sum(sum);
            }
    }

    /// <summary>How 16 weights of a row are read as fp32 (a struct parameter, so the JIT compiles each kernel per type).</summary>
    private interface IWeights
    {
        static abstract int ElementSize { get; }

        static abstract unsafe Vector512<float> Load(byte* row, int index);
    }

    private readonly struct Fp32Weights : IWeights
    {
        public static int ElementSize => sizeof(float);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector512<float> Load(byte* row, int index) => Vector512.Load((float*)row + index);
    }

    /// <summary>bf16 is the top half of an fp32: widening is a 16-bit shift.</summary>
    private readonly struct Bf16Weights : IWeights
    {
        public static int ElementSize => sizeof(ushort);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector512<float> Load(byte* row, int index) =>
            Vector512.ShiftLeft(Vector512.WidenLower(Vector256.Load((ushort*)row + index).ToVector512Unsafe()), 16).AsSingle();
    }
}
