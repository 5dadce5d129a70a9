using System.Text;
using Cluster.Constraints.Vocabulary;

namespace Cluster.Constraints.Tests;

public sealed class TokenTrieTests
{
    private static readonly byte[][] Tokens =
        [.. new[] { "a", "ab", "abc", "abd", "b", "ba", "c", "", "ab" }.Select(Encoding.UTF8.GetBytes)];

    private static List<(string Prefix, int[] Ids)> Enumerate(TokenTrie trie)
    {
        var result = new List<(string, int[])>();
        var path = new List<byte>();
        for (var i = 1; i < trie.NodeCount; i++)
        {
            path.RemoveRange(trie.Depths[i] - 1, path.Count - (trie.Depths[i] - 1));
            path.Add(trie.Bytes[i]);
            result.Add((Encoding.UTF8.GetString([.. path]), trie.TokenIds[trie.TokenStart[i]..trie.TokenStart[i + 1]]));
            Assert.InRange(trie.SubtreeEnd[i], i + 1, trie.NodeCount);
        }
        return result;
    }

    [Fact]
    public void BuildLaysOutEveryTokenOnceInPreorder()
    {
        var trie = TokenTrie.Build(Tokens, _ => true);
        var nodes = Enumerate(trie);
        Assert.Equal(["a", "ab", "abc", "abd", "b", "ba", "c"], nodes.Select(n => n.Prefix));
        Assert.Equal([1, 8], nodes.Single(n => n.Prefix == "ab").Ids);
        Assert.Equal(5, trie.SubtreeEnd[1]); // "a" (node 1) spans nodes 1–4: a, ab, abc, abd
    }

    [Fact]
    public void FilterEqualsBuildingFromTheKeptTokens()
    {
        var full = TokenTrie.Build(Tokens, _ => true);
        Func<int, bool> keep = id => id is 2 or 5 or 6;
        var filtered = Enumerate(full.Filter(keep));
        var built = Enumerate(TokenTrie.Build(Tokens, keep));
        Assert.Equal(built.Select(n => n.Prefix), filtered.Select(n => n.Prefix));
        Assert.Equal(built.SelectMany(n => n.Ids), filtered.SelectMany(n => n.Ids));
    }
}
