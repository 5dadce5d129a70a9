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

    /// <summary>Approximate bytes held apart from shared and interned arrays.</summary>
    public int Footprint => 64 + EscapeNodes.Length * 4;

    /// <summary>Packs <paramref name="walked"/> (the tokens found by walking; not kept) on top of <paramref name="shared"/>.</summary>
    public static StateMask Create(uint[]? shared, ReadOnlySpan<uint> walked, TokenTrie escapeTrie, int[] escapeNodes, MaskInterner? interner)
    {
        var count = TokenBitmask.Count(walked);
        if (count == 0) return new StateMask(shared, null, [], escapeTrie, escapeNodes);
        // Token ids cost 4 bytes each, the dense mask 4 bytes per 32 tokens.
        var dense = count >= walked.Length;
        Array packed = interner is not null ? interner.Intern(walked, count, dense) : dense ? walked.ToArray() : MaskInterner.ToIds(walked, count);
        return dense
            ? new StateMask(shared, (uint[])packed, [], escapeTrie, escapeNodes)
            : new StateMask(shared, null, (int[])packed, escapeTrie, escapeNodes);
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
