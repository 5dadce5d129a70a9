using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Cluster.Engine.KvCache;

/// <summary>
/// Identity of a full KV-cache block's content: a hash chained over the block's token ids and its predecessor's hash,
/// so equal hashes mean equal tokens at equal positions after an equal prefix — everything a block's keys and values
/// depend on within one model. SHA-256 (truncated to 128 bits), as vLLM offers, so that a collision, which would
/// silently serve another prompt's keys and values, is out of reach even for crafted prompts.
/// </summary>
public readonly record struct BlockHash(UInt128 Value)
{
    /// <summary>64 bits of the hash, for summaries where a collision costs a routing choice, not correctness.</summary>
    public ulong Digest => (ulong)Value;

    /// <summary>The hash of a block holding <paramref name="tokens"/> after the block hashed <paramref name="previous"/> (null for the first block).</summary>
    public static BlockHash Chain(BlockHash? previous, ReadOnlySpan<int> tokens)
    {
        Span<byte> input = stackalloc byte[16 + tokens.Length * sizeof(int)];
        BinaryPrimitives.WriteUInt128LittleEndian(input, previous?.Value ?? UInt128.Zero);
        MemoryMarshal.AsBytes(tokens).CopyTo(input[16..]);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(input, digest);
        return new BlockHash(BinaryPrimitives.ReadUInt128LittleEndian(digest));
    }

    /// <summary>Extends <paramref name="hashes"/> (the chain of <paramref name="tokens"/>' first blocks) to cover its first <paramref name="fullBlocks"/> blocks.</summary>
    public static void Extend(List<BlockHash> hashes, IReadOnlyList<int> tokens, int blockSize, int fullBlocks)
    {
        Span<int> block = blockSize <= 256 ? stackalloc int[blockSize] : new int[blockSize];
        while (hashes.Count < fullBlocks)
        {
            int start = hashes.Count * blockSize;
            for (int i = 0; i < blockSize; i++) block[i] = tokens[start + i];
            hashes.Add(Chain(hashes.Count == 0 ? null : hashes[^1], block));
        }
    }
}
