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
        int elementSize = bf16 ? sizeof(ushort) : sizeof(float);
        // Bands of whole 4-row weight blocks, so only the last band has a partial block.
        int blocks = (outputs + 3) / 4;
        int bands = Math.Min(cores.MaxDegreeOfParallelism, Math.Max(1, blocks / 8));
        Parallel.For(0, bands, cores, band =>
        {
            int start = (int)((long)blocks * band / bands) * 4, end = Math.Min(outputs, (int)((long)blocks * (band + 1) / bands) * 4);
            for (int o = start; o < end; o += 4)
            {
                int ob = Math.Min(4, end - o);
                for (int r = 0; r < rows; r += 4)
                {
                    int rb = Math.Min(4, rows - r);
                    byte* wo = (byte*)w + (long)o * inputs * elementSize;
                    float* xr = x + (long)r * inputs, yr = y + (long)r * outputs + o;
                    if (ob == 4 && rb == 4)
                    {
                        if (bf16) Block4x4((ushort*)wo, xr, yr, inputs, outputs);
                        else Block4x4((float*)wo, xr, yr, inputs, outputs);
                    }
                    else Edge(wo, bf16, xr, yr, inputs, outputs, rb, ob);
                }
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block4x4(float* w, float* x, float* y, int inputs, int outputs)
    {
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default;
        Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default;
        Vector512<float> s30 = default, s31 = default, s32 = default, s33 = default;
        float* w1 = w + inputs, w2 = w1 + inputs, w3 = w2 + inputs;
        float* x1 = x + inputs, x2 = x1 + inputs, x3 = x2 + inputs;
        for (int i = 0; i < inputs; i += 16)
        {
            var a0 = Vector512.Load(w + i); var a1 = Vector512.Load(w1 + i); var a2 = Vector512.Load(w2 + i); var a3 = Vector512.Load(w3 + i);
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

    /// <summary>The same block over bf16 weights.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block4x4(ushort* w, float* x, float* y, int inputs, int outputs)
    {
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default;
        Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default;
        Vector512<float> s30 = default, s31 = default, s32 = default, s33 = default;
        ushort* w1 = w + inputs, w2 = w1 + inputs, w3 = w2 + inputs;
        float* x1 = x + inputs, x2 = x1 + inputs, x3 = x2 + inputs;
        for (int i = 0; i < inputs; i += 16)
        {
            var a0 = Widen(w + i); var a1 = Widen(w1 + i); var a2 = Widen(w2 + i); var a3 = Widen(w3 + i);
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
    private static unsafe void Edge(byte* w, bool bf16, float* x, float* y, int inputs, int outputs, int rows, int columns)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                Vector512<float> sum = default;
                float* xr = x + (long)r * inputs;
                if (bf16)
                {
                    ushort* wr = (ushort*)w + (long)c * inputs;
                    for (int i = 0; i < inputs; i += 16) sum = Vector512.FusedMultiplyAdd(Widen(wr + i), Vector512.Load(xr + i), sum);
                }
                else
                {
                    float* wr = (float*)w + (long)c * inputs;
                    for (int i = 0; i < inputs; i += 16) sum = Vector512.FusedMultiplyAdd(Vector512.Load(wr + i), Vector512.Load(xr + i), sum);
                }
                y[(long)r * outputs + c] = Vector512.Sum(sum);
            }
    }

    /// <summary>16 bf16 values as fp32: bf16 is the top half of an fp32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> Widen(ushort* w) =>
        Vector512.ShiftLeft(Vector512.WidenLower(Vector256.Load(w).ToVector512Unsafe()), 16).AsSingle();
}
