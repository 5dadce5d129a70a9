namespace Cluster.Constraints.Matching;

/// <summary>
/// Shares equal token sets between DFA states. Counted strings (<c>maxLength</c>) give one DFA state per position, and all but
/// the last few positions accept the same tokens; interning keeps one copy, which bounds memory and garbage-collection work.
/// </summary>
internal sealed class MaskInterner
{
    private readonly object _gate = new();
    private readonly Dictionary<ulong, List<Array>> _byHash = [];

    /// <summary>Bytes held by interned arrays.</summary>
    public long Bytes { get; private set; }

    /// <summary>A shared array equal to <paramref name="bits"/> (as a dense mask when <paramref name="dense"/>, else as sorted token ids).</summary>
    public Array Intern(ReadOnlySpan<uint> bits, int count, bool dense)
    {
        var hash = Hash(bits) ^ (dense ? 0x9E3779B97F4A7C15UL : 0);
        lock (_gate)
        {
            if (_byHash.TryGetValue(hash, out var candidates))
            {
                foreach (var candidate in candidates)
                {
                    if (Matches(candidate, bits, count, dense)) return candidate;
                }
            }
            else
            {
                _byHash[hash] = candidates = [];
            }
            Array created = dense ? bits.ToArray() : ToIds(bits, count);
            candidates.Add(created);
            Bytes += created.Length * 4L;
            return created;
        }
    }

    private static bool Matches(Array candidate, ReadOnlySpan<uint> bits, int count, bool dense)
    {
        if (dense) return candidate is uint[] words && bits.SequenceEqual(words);
        if (candidate is not int[] ids || ids.Length != count) return false;
        foreach (var id in ids)
        {
            if ((bits[id >> 5] & (1u << (id & 31))) == 0) return false;
        }
        return true;
    }

    /// <summary>The ids of the <paramref name="count"/> set bits of <paramref name="bits"/>, ascending.</summary>
    public static int[] ToIds(ReadOnlySpan<uint> bits, int count)
    {
        var ids = new int[count];
        var n = 0;
        for (var w = 0; w < bits.Length; w++)
        {
            var word = bits[w];
            while (word != 0)
            {
                ids[n++] = (w << 5) + System.Numerics.BitOperations.TrailingZeroCount(word);
                word &= word - 1;
            }
        }
        return ids;
    }

    private static ulong Hash(ReadOnlySpan<uint> bits)
    {
        var hash = 14695981039346656037UL;
        foreach (var word in bits) hash = (hash ^ word) * 1099511628211UL;
        return hash;
    }
}
