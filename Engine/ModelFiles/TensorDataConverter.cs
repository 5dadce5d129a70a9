using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cluster.Engine.ModelFiles;

/// <summary>
/// Converts tensor bytes between the floating-point storage types of checkpoints (F32, BF16, F16) and <c>float</c>,
/// for backends that compute in fp32 (CPU) and for writing checkpoints.
/// </summary>
public static class TensorDataConverter
{
    /// <summary>Decodes little-endian tensor bytes into floats; <paramref name="destination"/> must hold every element.</summary>
    /// <exception cref="NotSupportedException">The dtype is not F32, BF16 or F16.</exception>
    public static void ToFloat32(ReadOnlySpan<byte> source, SafetensorsDType dtype, Span<float> destination)
    {
        var count = source.Length / dtype.ElementSize();
        if (destination.Length < count)
        {
            throw new ArgumentException($"Destination holds {destination.Length} floats; {count} are needed.", nameof(destination));
        }
        switch (dtype)
        {
            case SafetensorsDType.F32 when BitConverter.IsLittleEndian:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case SafetensorsDType.F32:
                for (var i = 0; i < count; i++)
                {
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * 4)..]);
                }
                break;
            case SafetensorsDType.BF16 when BitConverter.IsLittleEndian:
                WidenBFloat16(MemoryMarshal.Cast<byte, ushort>(source[..(count * 2)]), destination);
                break;
            case SafetensorsDType.F16 when BitConverter.IsLittleEndian:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source[..(count * 2)]), destination[..count]);
                break;
            case SafetensorsDType.BF16:
                // bfloat16 is the top half of a float32: widening is a shift, exact.
                for (var i = 0; i < count; i++)
                {
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(i * 2)..]) << 16);
                }
                break;
            case SafetensorsDType.F16:
                for (var i = 0; i < count; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source[(i * 2)..]);
                }
                break;
            default:
                throw new NotSupportedException($"Cannot convert {dtype} tensors to float32.");
        }
    }

    /// <summary>bf16 is the top half of an fp32: widening is a 16-bit shift, 16 values at a time.</summary>
    private static void WidenBFloat16(ReadOnlySpan<ushort> from, Span<float> to)
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

    /// <summary>Decodes a whole tensor into a new float array.</summary>
    public static float[] ToFloat32(ReadOnlySpan<byte> source, SafetensorsDType dtype)
    {
        var result = new float[source.Length / dtype.ElementSize()];
        ToFloat32(source, dtype, result);
        return result;
    }

    /// <summary>
    /// Encodes floats into little-endian tensor bytes; BF16 and F16 round to nearest even, as PyTorch's casts do.
    /// </summary>
    /// <exception cref="NotSupportedException">The dtype is not F32, BF16 or F16.</exception>
    public static void FromFloat32(ReadOnlySpan<float> source, SafetensorsDType dtype, Span<byte> destination)
    {
        if (destination.Length < source.Length * dtype.ElementSize())
        {
            throw new ArgumentException("Destination is too small.", nameof(destination));
        }
        switch (dtype)
        {
            case SafetensorsDType.F32 when BitConverter.IsLittleEndian:
                MemoryMarshal.AsBytes(source).CopyTo(destination);
                break;
            case SafetensorsDType.F32:
                for (var i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], source[i]);
                }
                break;
            case SafetensorsDType.BF16:
                for (var i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(destination[(i * 2)..], ToBFloat16Bits(source[i]));
                }
                break;
            case SafetensorsDType.F16:
                for (var i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(destination[(i * 2)..], (Half)source[i]);
                }
                break;
            default:
                throw new NotSupportedException($"Cannot convert float32 to {dtype}.");
        }
    }

    /// <summary>The bfloat16 bit pattern nearest to <paramref name="value"/> (ties to even; NaN stays a quiet NaN).</summary>
    public static ushort ToBFloat16Bits(float value)
    {
        var bits = (uint)BitConverter.SingleToInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x0040);
        }
        var roundingBias = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }
}
