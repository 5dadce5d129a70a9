using System.Numerics;
using System.Runtime.InteropServices;

namespace Cluster.Constraints;

/// <summary>Operations on token bitmasks (bit <c>i</c> of word <c>i / 32</c> set = token <c>i</c> allowed).</summary>
public static class TokenBitmask
{
    /// <summary>Words needed for a vocabulary of <paramref name="vocabularySize"/> tokens.</summary>
    public static int WordCount(int vocabularySize) => (vocabularySize + 31) >> 5;

    /// <summary>Whether token <paramref name="tokenId"/> is allowed.</summary>
    public static bool IsSet(ReadOnlySpan<uint> bitmask, int tokenId) => (bitmask[tokenId >> 5] & (1u << (tokenId & 31))) != 0;

    /// <summary>Allows token <paramref name="tokenId"/>.</summary>
    public static void Set(Span<uint> bitmask, int tokenId) => bitmask[tokenId >> 5] |= 1u << (tokenId & 31);

    /// <summary>Number of allowed tokens.</summary>
    public static int Count(ReadOnlySpan<uint> bitmask)
    {
        var count = 0;
        foreach (var word in bitmask) count += BitOperations.PopCount(word);
        return count;
    }

    /// <summary><paramref name="target"/> |= <paramref name="source"/>.</summary>
    public static void Or(Span<uint> target, ReadOnlySpan<uint> source)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && source.Length >= Vector<uint>.Count)
        {
            var t = MemoryMarshal.Cast<uint, Vector<uint>>(target[..source.Length]);
            var s = MemoryMarshal.Cast<uint, Vector<uint>>(source);
            for (var v = 0; v < s.Length; v++) t[v] |= s[v];
            i = s.Length * Vector<uint>.Count;
        }
        for (; i < source.Length; i++) target[i] |= source[i];
    }
}
