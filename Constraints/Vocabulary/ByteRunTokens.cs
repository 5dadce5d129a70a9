using System.Collections.Concurrent;

namespace Cluster.Constraints.Vocabulary;

/// <summary>
/// The vocabulary split by a byte set B: tokens made only of bytes in B (by byte length), and a trie of all others. Where a
/// grammar treats every byte of B alike for a stretch — free text away from a trigger's first byte, a negated class such as
/// <c>[^;]*</c>, a counted class such as <c>[a-z0-9]{1,32}</c> — tokens from B short enough for the stretch are accepted
/// whole and only the remainder trie is walked. Splits are built on first use per byte set and kept per vocabulary.
/// </summary>
internal sealed class ByteRunTokens
{
    /// <summary>Tokens from B longer than this go to <see cref="Rest"/>.</summary>
    public const int MaxLength = 32;

    private readonly int[][] _idsByLength;
    private readonly uint[]?[] _upTo = new uint[]?[MaxLength + 1];
    private readonly int _maskWords;

    private ByteRunTokens(int[][] idsByLength, TokenTrie rest, int maskWords)
    {
        _idsByLength = idsByLength;
        Rest = rest;
        _maskWords = maskWords;
    }

    /// <summary>Every text token not counted in <see cref="UpTo"/>.</summary>
    public TokenTrie Rest { get; }

    /// <summary>Tokens from B of 1..<paramref name="length"/> bytes (built once per length).</summary>
    public uint[] UpTo(int length)
    {
        length = Math.Min(length, MaxLength);
        var cached = Volatile.Read(ref _upTo[length]);
        if (cached is not null) return cached;
        var mask = new uint[_maskWords];
        for (var l = 1; l <= length; l++)
        {
            foreach (var id in _idsByLength[l]) mask[id >> 5] |= 1u << (id & 31);
        }
        return Interlocked.CompareExchange(ref _upTo[length], mask, null) ?? mask;
    }

    /// <summary>Splits kept per vocabulary, keyed by the byte set.</summary>
    internal sealed class Cache(IReadOnlyList<byte[]> tokens, Func<int, bool> include, TokenTrie trie, int maskWords)
    {
        private const int MaxCachedSplits = 32;

        private readonly ConcurrentDictionary<ByteSetKey, ByteRunTokens> _splits = new();

        public ByteRunTokens Get(ReadOnlySpan<bool> byteSet)
        {
            var key = ByteSetKey.From(byteSet);
            if (_splits.TryGetValue(key, out var split)) return split;
            var inSet = byteSet.ToArray();
            var byLength = new List<int>[MaxLength + 1];
            for (var l = 0; l <= MaxLength; l++) byLength[l] = [];
            var inside = new bool[tokens.Count];
            for (var id = 0; id < tokens.Count; id++)
            {
                var bytes = tokens[id];
                if (bytes.Length == 0 || bytes.Length > MaxLength || !include(id)) continue;
                var all = true;
                foreach (var b in bytes)
                {
                    if (!inSet[b])
                    {
                        all = false;
                        break;
                    }
                }
                if (!all) continue;
                inside[id] = true;
                byLength[bytes.Length].Add(id);
            }
            split = new ByteRunTokens([.. byLength.Select(l => l.ToArray())], trie.Filter(id => !inside[id]), maskWords);
            if (_splits.Count >= MaxCachedSplits) _splits.Clear();
            return _splits.GetOrAdd(key, split);
        }
    }

    private readonly record struct ByteSetKey(ulong A, ulong B, ulong C, ulong D)
    {
        public static ByteSetKey From(ReadOnlySpan<bool> set)
        {
            Span<ulong> parts = stackalloc ulong[4];
            for (var b = 0; b < 256; b++)
            {
                if (set[b]) parts[b >> 6] |= 1UL << (b & 63);
            }
            return new ByteSetKey(parts[0], parts[1], parts[2], parts[3]);
        }
    }
}
