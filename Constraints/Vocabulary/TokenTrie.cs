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
}
