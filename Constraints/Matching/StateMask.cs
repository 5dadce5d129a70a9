using Cluster.Constraints.Vocabulary;

namespace Cluster.Constraints.Matching;

/// <summary>
/// The tokens one DFA state accepts with its caller unknown, stored compactly: an optional shared group mask (plain string
/// tokens, owned by the vocabulary) plus either a dense bitmask or a sorted list of token ids, whichever is smaller.
/// Also the trie nodes where the state's rule can end inside a token.
/// </summary>
internal sealed class StateMask
{
    private readonly uint[]? _shared;
    private readonly uint[]? _dense;
    private readonly int[] _sparse;

    private StateMask(uint[]? shared, uint[]? dense, int[] sparse, TokenTrie escapeTrie, int[] escapeNodes)
    {
        _shared = shared;
        _dense = dense;
        _sparse = sparse;
        EscapeTrie = escapeTrie;
        EscapeNodes = escapeNodes;
    }

    /// <summary>The trie <see cref="EscapeNodes"/> index into.</summary>
    public TokenTrie EscapeTrie { get; }

    /// <summary>Trie nodes after whose bytes the rule may end, so the rest of their subtree depends on the caller.</summary>
    public int[] EscapeNodes { get; }

    /// <summary>Approximate bytes held (the shared group is not counted).</summary>
    public int Footprint => 64 + (_dense?.Length ?? 0) * 4 + _sparse.Length * 4 + EscapeNodes.Length * 4;

    /// <summary>Packs <paramref name="walked"/> (the tokens found by walking; not kept) on top of <paramref name="shared"/>.</summary>
    public static StateMask Create(uint[]? shared, ReadOnlySpan<uint> walked, TokenTrie escapeTrie, int[] escapeNodes)
    {
        var count = TokenBitmask.Count(walked);
        if (count * 2 >= walked.Length) return new StateMask(shared, walked.ToArray(), [], escapeTrie, escapeNodes);
        var sparse = new int[count];
        var n = 0;
        for (var w = 0; w < walked.Length; w++)
        {
            var word = walked[w];
            while (word != 0)
            {
                sparse[n++] = (w << 5) + System.Numerics.BitOperations.TrailingZeroCount(word);
                word &= word - 1;
            }
        }
        return new StateMask(shared, null, sparse, escapeTrie, escapeNodes);
    }

    /// <summary>Overwrites <paramref name="target"/> with this mask.</summary>
    public void CopyTo(Span<uint> target)
    {
        if (_shared is not null) _shared.CopyTo(target);
        else if (_dense is not null)
        {
            _dense.CopyTo(target);
            return;
        }
        else target.Clear();
        OrExtras(target);
    }

    /// <summary><paramref name="target"/> |= this mask.</summary>
    public void OrInto(Span<uint> target)
    {
        if (_shared is not null) TokenBitmask.Or(target, _shared);
        OrExtras(target);
    }

    private void OrExtras(Span<uint> target)
    {
        if (_dense is not null) TokenBitmask.Or(target, _dense);
        foreach (var id in _sparse) target[id >> 5] |= 1u << (id & 31);
    }
}
