using System.Collections.Concurrent;

namespace Cluster.Constraints.Vocabulary;

/// <summary>
/// The vocabulary split by a byte set B: tokens made only of bytes in B, and a trie of the others. A DFA state that loops on
/// every byte of B (free text away from a trigger's first byte, a negated class such as <c>[^;]*</c>) accepts the first group
/// whole, so only the second is walked. Splits are built on first use per byte set and kept per vocabulary.
/// </summary>
internal sealed class ByteLoopTokens
{
    private const int MaxCachedSplits = 64;

    private ByteLoopTokens(uint[] inside, TokenTrie rest)
    {
        Inside = inside;
        Rest = rest;
    }

    /// <summary>Tokens all of whose bytes are in the set.</summary>
    public uint[] Inside { get; }

    /// <summary>Every other text token.</summary>
    public TokenTrie Rest { get; }

    /// <summary>Splits kept per vocabulary, keyed by the byte set.</summary>
    internal sealed class Cache(IReadOnlyList<byte[]> tokens, Func<int, bool> include, int maskWords)
    {
        private readonly ConcurrentDictionary<UInt256Key, ByteLoopTokens> _splits = new();

        public ByteLoopTokens Get(ReadOnlySpan<bool> byteSet)
        {
            var key = UInt256Key.From(byteSet);
            if (_splits.TryGetValue(key, out var split)) return split;
            var inSet = byteSet.ToArray();
            var inside = new uint[maskWords];
            var isInside = new bool[tokens.Count];
            for (var id = 0; id < tokens.Count; id++)
            {
                if (tokens[id].Length == 0 || !include(id)) continue;
                var all = true;
                foreach (var b in tokens[id])
                {
                    if (!inSet[b])
                    {
                        all = false;
                        break;
                    }
                }
                if (!all) continue;
                isInside[id] = true;
                inside[id >> 5] |= 1u << (id & 31);
            }
            split = new ByteLoopTokens(inside, TokenTrie.Build(tokens, id => include(id) && !isInside[id]));
            if (_splits.Count >= MaxCachedSplits) _splits.Clear();
            return _splits.GetOrAdd(key, split);
        }
    }

    private readonly record struct UInt256Key(ulong A, ulong B, ulong C, ulong D)
    {
        public static UInt256Key From(ReadOnlySpan<bool> set)
        {
            Span<ulong> parts = stackalloc ulong[4];
            for (var b = 0; b < 256; b++)
            {
                if (set[b]) parts[b >> 6] |= 1UL << (b & 63);
            }
            return new UInt256Key(parts[0], parts[1], parts[2], parts[3]);
        }
    }
}
