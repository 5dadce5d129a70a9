namespace Cluster.Constraints.Vocabulary;

/// <summary>
/// All text tokens in one byte trie laid out flat in depth-first preorder, so a mask is a single forward scan:
/// a rejected prefix skips its whole subtree by jumping to <see cref="SubtreeEnd"/>, with no recursion.
/// Node 0 is the root (the empty prefix).
/// </summary>
internal sealed class TokenTrie
{
    /// <summary>The byte leading into each node.</summary>
    public byte[] Bytes { get; }

    /// <summary>Depth of each node (root 0).</summary>
    public int[] Depths { get; }

    /// <summary>Index one past the last node of each node's subtree.</summary>
    public int[] SubtreeEnd { get; }

    /// <summary>Start of each node's token ids in <see cref="TokenIds"/> (CSR; node i owns [TokenStart[i], TokenStart[i+1])).</summary>
    public int[] TokenStart { get; }

    public int[] TokenIds { get; }

    public int NodeCount => Bytes.Length;

    public int MaxDepth { get; }

    private TokenTrie(byte[] bytes, int[] depths, int[] subtreeEnd, int[] tokenStart, int[] tokenIds, int maxDepth)
    {
        Bytes = bytes;
        Depths = depths;
        SubtreeEnd = subtreeEnd;
        TokenStart = tokenStart;
        TokenIds = tokenIds;
        MaxDepth = maxDepth;
    }

    public static TokenTrie Build(IReadOnlyList<byte[]> tokens, Func<int, bool> include)
    {
        var ids = new List<int>();
        for (var id = 0; id < tokens.Count; id++)
        {
            if (tokens[id].Length > 0 && include(id)) ids.Add(id);
        }
        // Lexicographic order makes preorder fall out of a single pass: each token adds the nodes past its common prefix with the previous one.
        ids.Sort((a, b) =>
        {
            var c = tokens[a].AsSpan().SequenceCompareTo(tokens[b]);
            return c != 0 ? c : a.CompareTo(b);
        });

        var nodeBytes = new List<byte> { 0 };
        var depths = new List<int> { 0 };
        var nodeTokens = new List<List<int>?> { null };
        var path = new List<int> { 0 }; // node index at each depth of the previous token
        byte[] previous = [];
        var maxDepth = 0;
        foreach (var id in ids)
        {
            var bytes = tokens[id];
            var common = bytes.AsSpan().CommonPrefixLength(previous);
            path.RemoveRange(common + 1, path.Count - common - 1);
            for (var d = common; d < bytes.Length; d++)
            {
                nodeBytes.Add(bytes[d]);
                depths.Add(d + 1);
                nodeTokens.Add(null);
                path.Add(nodeBytes.Count - 1);
            }
            var node = path[bytes.Length];
            (nodeTokens[node] ??= []).Add(id);
            previous = bytes;
            maxDepth = Math.Max(maxDepth, bytes.Length);
        }

        var count = nodeBytes.Count;
        var subtreeEnd = new int[count];
        var open = new Stack<int>();
        for (var i = 0; i < count; i++)
        {
            while (open.Count > 0 && depths[open.Peek()] >= depths[i]) subtreeEnd[open.Pop()] = i;
            open.Push(i);
        }
        while (open.Count > 0) subtreeEnd[open.Pop()] = count;

        var tokenStart = new int[count + 1];
        var tokenIds = new List<int>(ids.Count);
        for (var i = 0; i < count; i++)
        {
            tokenStart[i] = tokenIds.Count;
            if (nodeTokens[i] is { } list) tokenIds.AddRange(list);
        }
        tokenStart[count] = tokenIds.Count;
        return new TokenTrie([.. nodeBytes], [.. depths], subtreeEnd, tokenStart, [.. tokenIds], maxDepth);
    }

    /// <summary>
    /// The sub-trie holding only the tokens <paramref name="keep"/> selects, in one linear pass (no sorting), so a split of a
    /// large vocabulary costs about a millisecond.
    /// </summary>
    public TokenTrie Filter(Func<int, bool> keep)
    {
        var count = NodeCount;
        // The two index arrays are large and short-lived: rent them rather than churn the large-object heap.
        var keptBefore = System.Buffers.ArrayPool<int>.Shared.Rent(count + 1);
        var newIndex = System.Buffers.ArrayPool<int>.Shared.Rent(count + 1);
        try
        {
            // keptBefore[i]: nodes before i owning a kept token; a node stays when its subtree owns one.
            keptBefore[0] = 0;
            for (var i = 0; i < count; i++)
            {
                var owns = false;
                for (var k = TokenStart[i]; k < TokenStart[i + 1] && !owns; k++) owns = keep(TokenIds[k]);
                keptBefore[i + 1] = keptBefore[i] + (owns ? 1 : 0);
            }
            var kept = 0;
            for (var i = 0; i < count; i++)
            {
                newIndex[i] = kept;
                if (i == 0 || keptBefore[SubtreeEnd[i]] - keptBefore[i] > 0) kept++;
            }
            newIndex[count] = kept;
            var bytes = new byte[kept];
            var depths = new int[kept];
            var subtreeEnd = new int[kept];
            var tokenStart = new int[kept + 1];
            var tokenIds = new List<int>();
            var maxDepth = 0;
            for (var i = 0; i < count; i++)
            {
                if (i != 0 && keptBefore[SubtreeEnd[i]] - keptBefore[i] == 0) continue;
                var j = newIndex[i];
                bytes[j] = Bytes[i];
                depths[j] = Depths[i];
                subtreeEnd[j] = newIndex[SubtreeEnd[i]];
                tokenStart[j] = tokenIds.Count;
                for (var k = TokenStart[i]; k < TokenStart[i + 1]; k++)
                {
                    if (keep(TokenIds[k])) tokenIds.Add(TokenIds[k]);
                }
                maxDepth = Math.Max(maxDepth, Depths[i]);
            }
            tokenStart[kept] = tokenIds.Count;
            return new TokenTrie(bytes, depths, subtreeEnd, tokenStart, [.. tokenIds], maxDepth);
        }
        finally
        {
            System.Buffers.ArrayPool<int>.Shared.Return(keptBefore);
            System.Buffers.ArrayPool<int>.Shared.Return(newIndex);
        }
    }
}
